//! The 1.6 adapter: decoded 1.6 requests → domain facts → store → 1.6 answers.

use serde_json::{json, Value};

use super::context::{internal, log_deviations, now_text, wire_name, ChargerContext};
use super::id_info;
use crate::domain::event::{ChargerEvent, StatusReport};
use crate::domain::tag_group::TagUse;
use crate::domain::{BootInfo, HardwareStatus, MeterSample, StartTransaction, StopTransaction};
use crate::ocpp::v16::{decode_request, Request};
use crate::ocpp::{Call, DecodeError};
use rust_ocpp::v1_6::types::MeterValue;

pub async fn handle(ctx: &ChargerContext, call: &Call) -> Result<Value, DecodeError> {
    let decoded = decode_request(&call.action, call.payload.clone(), ctx.leniency)?;
    log_deviations(&call.action, &decoded.deviations);
    let store = &ctx.shared.store;
    let id = &*ctx.identity;
    Ok(match decoded.message {
        Request::BootNotification(b) => {
            let boot = BootInfo {
                vendor: b.charge_point_vendor,
                model: b.charge_point_model,
                serial_number: b.charge_point_serial_number.or(b.charge_box_serial_number),
                firmware_version: b.firmware_version,
                reason: None,
            };
            store.record_boot(id, boot).await.map_err(internal)?;
            super::boot::answer(ctx).await?
        }
        Request::Heartbeat(_) => json!({"currentTime": now_text()}),
        Request::Authorize(a) => {
            json!({"idTagInfo": id_info::v16(&ctx.answer(&a.id_tag, &TagUse::Authorize).await)})
        }
        Request::StartTransaction(s) => {
            let used = TagUse::Start {
                connector: s.connector_id,
            };
            let answer = ctx.answer(&s.id_tag, &used).await;
            let start = StartTransaction {
                connector: s.connector_id,
                id_tag: s.id_tag,
                meter_start_wh: i64::from(s.meter_start),
                timestamp: s.timestamp,
                reservation_id: s.reservation_id,
                authorization: answer.status,
            };
            let tx_id = store.start_transaction(id, start).await.map_err(internal)?;
            json!({"transactionId": tx_id, "idTagInfo": id_info::v16(&answer)})
        }
        Request::StopTransaction(s) => {
            let status = match s.id_tag.as_deref() {
                Some(t) => Some(ctx.answer(t, &TagUse::Stop).await),
                None => None,
            };
            let stop = StopTransaction {
                transaction_id: s.transaction_id,
                id_tag: s.id_tag,
                meter_stop_wh: i64::from(s.meter_stop),
                timestamp: s.timestamp,
                reason: s.reason.as_ref().map(wire_name),
                samples: samples(s.transaction_data.as_deref().unwrap_or_default()),
            };
            ctx.commit_report(call, || async {
                match store.stop_transaction(id, stop.clone()).await {
                    Ok(crate::store::StopOutcome::Unknown) => {
                        tracing::warn!(
                            transaction_id = stop.transaction_id,
                            "StopTransaction for an unknown transaction; accepted and recorded"
                        );
                        Ok(())
                    }
                    Ok(_) => Ok(()),
                    Err(e) => Err(e),
                }
            })
            .await;
            match status {
                Some(st) => json!({"idTagInfo": id_info::v16(&st)}),
                None => json!({}),
            }
        }
        Request::MeterValues(m) => {
            let tx = m.transaction_id.map(|t| t.to_string());
            let samples = samples(&m.meter_value);
            ctx.commit_report(call, || {
                store.record_meter_values(id, m.connector_id, tx.clone(), samples.clone())
            })
            .await;
            ctx.shared
                .circuits
                .meter(&ctx.identity, m.connector_id, &samples);
            json!({})
        }
        Request::StatusNotification(s) => {
            let status_name = wire_name(&s.status);
            if let Some(status) = HardwareStatus::from_ocpp(&status_name) {
                let report = StatusReport {
                    evse: s.connector_id,
                    connector: s.connector_id,
                    status,
                    error_code: Some(wire_name(&s.error_code)).filter(|c| c != "NoError"),
                    timestamp: s.timestamp.unwrap_or_else(chrono::Utc::now),
                    // 1.6 §7.7: Available and Preparing are states with no transaction.
                    idle: matches!(
                        status,
                        HardwareStatus::Available | HardwareStatus::Preparing
                    ),
                };
                ctx.commit_report(call, || store.record_status(id, report.clone()))
                    .await;
            }
            json!({})
        }
        Request::SignCertificate(r) => super::certificates::sign(ctx, call, &r.csr, None).await,
        // Plug & Charge in the OCA scheme: 2.0.1 messages inside DataTransfer.
        Request::DataTransfer(d) if d.vendor_string == crate::pnc::OCA_VENDOR => {
            crate::pnc::charger::data_transfer(
                ctx,
                call,
                d.message_id.as_deref(),
                d.data.as_deref(),
            )
            .await
        }
        Request::DataTransfer(d) => {
            super::data_transfer::answer(ctx, call, &d.vendor_string, d.message_id.as_deref()).await
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
        _ => {
            ctx.record_event(
                call,
                ChargerEvent::Other {
                    action: call.action.clone(),
                    payload: call.payload.clone(),
                },
            )
            .await;
            // Firmware, diagnostics and log status: answers without fields.
            json!({})
        }
    })
}

/// 1.6 meter values reduced to numeric samples (signed data and non-numbers skipped).
fn samples(values: &[MeterValue]) -> Vec<MeterSample> {
    values
        .iter()
        .flat_map(|mv| {
            mv.sampled_value.iter().filter_map(move |sv| {
                let value = sv.value.trim().parse::<f64>().ok()?;
                Some(MeterSample {
                    timestamp: mv.timestamp,
                    measurand: sv
                        .measurand
                        .as_ref()
                        .map(wire_name)
                        .unwrap_or_else(|| "Energy.Active.Import.Register".into()),
                    value,
                    unit: sv.unit.as_ref().map(wire_name),
                    phase: sv.phase.as_ref().map(wire_name),
                    context: sv.context.as_ref().map(wire_name),
                })
            })
        })
        .collect()
}
