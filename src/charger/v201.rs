//! The 2.0.1 adapter: decoded 2.0.1 requests → domain facts → store → 2.0.1 answers.

use serde_json::{json, Value};

use super::context::{internal, log_deviations, now_text, wire_name, ChargerContext};
use super::id_info;
use crate::domain::event::{ChargerEvent, StatusReport, TransactionPhase};
use crate::domain::report::{DeviceEvents, ReportKind, ReportPart};
use crate::domain::tag_group::TagUse;
use crate::domain::{BootInfo, HardwareStatus, MeterSample, TransactionUpdate};
use crate::ocpp::v201::{decode_request, Request};
use crate::ocpp::{Call, DecodeError};
use rust_ocpp::v2_0_1::datatypes::meter_value_type::MeterValueType;

pub async fn handle(ctx: &ChargerContext, call: &Call) -> Result<Value, DecodeError> {
    let decoded = decode_request(&call.action, call.payload.clone(), ctx.leniency)?;
    log_deviations(&call.action, &decoded.deviations);
    let store = &ctx.shared.store;
    let id = &*ctx.identity;
    Ok(match decoded.message {
        Request::BootNotification(b) => {
            let cs = b.charging_station;
            let boot = BootInfo {
                vendor: cs.vendor_name,
                model: cs.model,
                serial_number: cs.serial_number,
                firmware_version: cs.firmware_version,
                reason: Some(wire_name(&b.reason)),
            };
            store.record_boot(id, boot).await.map_err(internal)?;
            super::boot::answer(ctx).await?
        }
        Request::Heartbeat(_) => json!({"currentTime": now_text()}),
        Request::Authorize(a) => {
            if a.iso_15118_certificate_hash_data.is_some() || a.certificate.is_some() {
                crate::pnc::charger::authorize(ctx, &call.payload).await
            } else {
                let answer = ctx.answer(&a.id_token.id_token, &TagUse::Authorize).await;
                json!({"idTokenInfo": id_info::v201(&answer)})
            }
        }
        Request::Get15118EVCertificate(_) => {
            crate::pnc::charger::ev_certificate(ctx, &call.payload).await
        }
        Request::GetCertificateStatus(_) => {
            crate::pnc::charger::certificate_status(ctx, &call.payload).await
        }
        Request::StatusNotification(s) => {
            let name = wire_name(&s.connector_status);
            if let Some(status) = HardwareStatus::from_ocpp(&name) {
                let report = StatusReport {
                    evse: s.evse_id.max(0) as u32,
                    connector: s.connector_id.max(0) as u32,
                    status,
                    error_code: None,
                    timestamp: s.timestamp,
                    // Occupied (a plugged cable) may be charging: only Available says
                    // the EVSE has no transaction, and even then its Ended may be
                    // queued: the station is asked before a session is closed
                    // (`lost::settle_idle`), not the store.
                    idle: false,
                };
                ctx.commit_report(call, || store.record_status(id, report.clone()))
                    .await;
                if status == HardwareStatus::Preparing && report.evse > 0 {
                    super::lost::ask_about(ctx, report.evse);
                }
                if status == HardwareStatus::Available && report.evse > 0 {
                    super::lost::settle_idle(ctx, report.evse);
                }
            }
            json!({})
        }
        Request::MeterValues(m) => {
            let samples = samples(&m.meter_value);
            ctx.commit_report(call, || {
                store.record_meter_values(id, m.evse_id.max(0) as u32, None, samples.clone())
            })
            .await;
            ctx.shared
                .circuits
                .meter(&ctx.identity, m.evse_id.max(0) as u32, &samples);
            json!({})
        }
        Request::TransactionEvent(t) => {
            let token = t.id_token.as_ref().map(|tok| tok.id_token.clone());
            let phase = match wire_name(&t.event_type).as_str() {
                "Started" => TransactionPhase::Started,
                "Ended" => TransactionPhase::Ended,
                _ => TransactionPhase::Updated,
            };
            // An ending, or a replay of what happened offline, is never concurrent.
            let used = if matches!(phase, TransactionPhase::Ended) || t.offline == Some(true) {
                TagUse::Stop
            } else {
                TagUse::Transaction {
                    transaction_id: t.transaction_info.transaction_id.clone(),
                    evse: t.evse.as_ref().map(|e| e.id.max(0) as u32),
                }
            };
            let status = match token.as_deref() {
                Some(tok) => Some(ctx.answer(tok, &used).await),
                None => None,
            };
            let update = TransactionUpdate {
                transaction_id: t.transaction_info.transaction_id.clone(),
                event: phase,
                seq_no: t.seq_no.max(0) as u32,
                offline: t.offline.unwrap_or(false),
                evse: t.evse.as_ref().map(|e| e.id.max(0) as u32),
                connector: t
                    .evse
                    .as_ref()
                    .and_then(|e| e.connector_id)
                    .map(|c| c.max(0) as u32),
                id_token: token,
                charging_state: t.transaction_info.charging_state.as_ref().map(wire_name),
                stopped_reason: t.transaction_info.stopped_reason.as_ref().map(wire_name),
                remote_start_id: t.transaction_info.remote_start_id.map(i64::from),
                timestamp: t.timestamp,
                samples: samples(t.meter_value.as_deref().unwrap_or_default()),
            };
            ctx.commit_report(call, || store.transaction_event(id, update.clone()))
                .await;
            ctx.shared.circuits.transaction_meter(
                &ctx.identity,
                update.evse,
                &update.transaction_id,
                &update.samples,
            );
            if update.event != TransactionPhase::Updated || update.charging_state.is_some() {
                ctx.shared.circuits.sessions_changed(&ctx.identity);
            }
            let mut answer = match status {
                Some(st) => json!({"idTokenInfo": id_info::v201(&st)}),
                None => json!({}),
            };
            // I02/I03: the running (or, for Ended, final) cost the platform last gave.
            if let Ok(Some(cost)) = store.session_cost(id, &update.transaction_id).await {
                answer["totalCost"] = json!(cost);
            }
            answer
        }
        Request::NotifyEVChargingNeeds(n) => {
            record_reported(ctx, call).await;
            let need = &n.charging_needs;
            let ac = need.ac_charging_parameters.as_ref();
            let dc = need.dc_charging_parameters.as_ref();
            let needs = crate::circuits::ChargingNeeds {
                energy_wh: ac
                    .map(|a| f64::from(a.energy_amount))
                    .or_else(|| dc.and_then(|d| d.energy_amount).map(f64::from)),
                departure: need.departure_time,
                max_current: ac
                    .map(|a| f64::from(a.ev_max_current))
                    .or_else(|| dc.map(|d| f64::from(d.ev_max_current))),
            };
            let evse = n.evse_id.max(0) as u32;
            // K15.FR.02: Accepted when a schedule will follow; the gateway only computes
            // one for EVSEs a circuit manages.
            match ctx
                .shared
                .circuits
                .charging_needs(&ctx.identity, evse, needs)
            {
                true => json!({"status": "Accepted"}),
                false => json!({"status": "Rejected"}),
            }
        }
        Request::SignCertificate(r) => {
            let kind = r.certificate_type.as_ref().map(wire_name);
            super::certificates::sign(ctx, call, &r.csr, kind).await
        }
        Request::DataTransfer(d) => {
            super::data_transfer::answer(ctx, call, &d.vendor_id, d.message_id.as_deref()).await
        }
        Request::SecurityEventNotification(e) => {
            ctx.record_event(
                call,
                ChargerEvent::Security {
                    kind: e.kind.clone(),
                    tech_info: e.tech_info.clone(),
                    timestamp: e.timestamp,
                },
            )
            .await;
            json!({})
        }
        Request::ReservationStatusUpdate(r) => {
            ctx.record_event(
                call,
                ChargerEvent::Reservation {
                    reservation_id: i64::from(r.reservation_id),
                    status: wire_name(&r.reservation_update_status),
                },
            )
            .await;
            json!({})
        }
        // Parts of a multi-part report, assembled under their requestId (B07/B08, N02,
        // N10, K09, O04); kept without a secret in them (NotifyReport).
        _ if ReportKind::of_message(&call.action).is_some() => {
            let payload = crate::ocpp::redact::redacted(&call.payload);
            match ReportPart::of_message(&call.action, &payload) {
                Some(part) => ctx.record_event(call, ChargerEvent::ReportPart(part)).await,
                None => {
                    let (action, payload) = (call.action.clone(), payload);
                    ctx.record_event(call, ChargerEvent::Other { action, payload })
                        .await
                }
            }
            json!({})
        }
        // Device-model events (N07), one stored row per eventData entry.
        _ if call.action == "NotifyEvent" => {
            let events = DeviceEvents::of_payload(&call.payload);
            ctx.record_event(call, ChargerEvent::DeviceEvents(events))
                .await;
            json!({})
        }
        _ => {
            record_reported(ctx, call).await;
            other_answer(&call.action)
        }
    })
}

/// Keeps a message that only reports as it was reported, but never with a secret in it
/// (NotifyReport).
async fn record_reported(ctx: &ChargerContext, call: &Call) {
    ctx.record_event(
        call,
        ChargerEvent::Other {
            action: call.action.clone(),
            payload: crate::ocpp::redact::redacted(&call.payload),
        },
    )
    .await;
}

/// Answers to the messages that only report.
fn other_answer(action: &str) -> Value {
    match action {
        "NotifyEVChargingSchedule" => json!({"status": "Accepted"}),
        // Reports and notifications whose answers carry no fields.
        _ => json!({}),
    }
}

/// 2.0.1 meter values reduced to numeric samples.
fn samples(values: &[MeterValueType]) -> Vec<MeterSample> {
    values
        .iter()
        .flat_map(|mv| {
            mv.sampled_value.iter().filter_map(move |sv| {
                let value = sv.value.to_string().parse::<f64>().ok()?;
                Some(MeterSample {
                    timestamp: mv.timestamp,
                    measurand: sv
                        .measurand
                        .as_ref()
                        .map(wire_name)
                        .unwrap_or_else(|| "Energy.Active.Import.Register".into()),
                    value,
                    unit: sv.unit_of_measure.as_ref().and_then(|u| u.unit.clone()),
                    phase: sv.phase.as_ref().map(wire_name),
                    context: sv.context.as_ref().map(wire_name),
                })
            })
        })
        .collect()
}
