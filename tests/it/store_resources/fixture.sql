-- Rows the Resources parity test loads into both stores. Plain SQL both engines take:
-- ids are left to each engine (1, 2, 3, ... in row order), flags are TRUE/FALSE.
INSERT INTO charge_points (identity, name, protocol, password_hash, strict, desired_profile,
    current_profile, network_status, hardware_status, last_boot, first_contact_at,
    disconnected_at, created_at, updated_at, access_type, system_status) VALUES
  ('CP-1', 'CP One', 'ocpp 1.6', 'ab12', FALSE, 1, 1, 'available', 'available',
   '{"vendor":"V","model":"M","firmwareVersion":"1.0"}', '2021-01-01T00:00:00.000Z', NULL,
   '2021-01-01T00:00:00.000Z', '2021-06-01T12:00:00.000Z', 'public', 'enabled'),
  ('CP-2', NULL, 'ocpp 2.0.1', NULL, TRUE, NULL, 2, 'temporarily_unavailable', NULL,
   'not json', '2021-02-01T00:00:00.000Z', '2022-02-28T23:59:59.999Z',
   '2021-02-01T00:00:00.000Z', '2022-03-01T00:00:00.000Z', 'private', 'disabled'),
  ('cp-3', 'Ünïcode 名前', NULL, NULL, FALSE, NULL, NULL, 'never_connected', NULL, NULL,
   NULL, NULL, '2023-01-01T00:00:00.000Z', '2023-01-01T00:00:00.000Z', 'personal', 'demo'),
  ('CP-4', 'cp one', 'ocpp 1.6', NULL, FALSE, 0, 0, 'available', 'faulted', NULL,
   '2021-04-01T00:00:00.000Z', NULL, '2021-04-01T00:00:00.000Z', '2022-03-01T00:00:00.000Z',
   'public', 'out of order');

INSERT INTO evses (charge_point_id, network_id, hardware_status, error_code, status_at,
    created_at, updated_at) VALUES
  (1, 0, 'available', NULL, NULL, '2021-01-01T00:00:00.000Z', '2021-01-01T00:00:00.000Z'),
  (1, 1, 'charging', NULL, NULL, '2021-01-01T00:00:01.000Z', '2022-01-01T10:00:00.000Z'),
  (1, 2, 'faulted', 'GroundFailure', NULL, '2021-01-01T00:00:02.000Z', '2022-05-01T00:00:00.000Z'),
  (2, 1, 'available', NULL, NULL, '2021-02-01T00:00:00.000Z', '2021-02-01T00:00:00.000Z'),
  (2, 3, 'unavailable', NULL, NULL, '2021-02-01T00:00:00.000Z', '2023-02-01T00:00:00.000Z');

INSERT INTO connectors (evse_id, connector_id, hardware_status, updated_at) VALUES
  (2, 1, 'charging', '2022-01-01T10:00:00.000Z'),
  (3, 2, 'faulted', '2022-05-01T00:00:00.000Z'),
  (3, 1, 'available', '2022-05-01T00:00:00.000Z'),
  (4, 10, 'available', '2021-02-01T00:00:00.000Z'),
  (4, 9, 'reserved', '2021-02-01T00:00:00.000Z');

INSERT INTO sessions (charge_point_id, evse_network_id, connector_id, transaction_id, status,
    id_tag, started_at, stopped_at, meter_start_wh, meter_stop_wh, meter_last_wh, energy_wh,
    power_latest_w, power_peak_w, soc_percent, reason, last_seq_no, charging_state,
    remote_start_id, reservation_id, start_key, created_at, updated_at) VALUES
  (1, 1, 1, '1', 'charging', 'TAG1', '2022-01-01T10:00:00.000Z', NULL, 1000, NULL, 1500.5,
   500.5, 7200, 11000.25, 55.5, NULL, NULL, NULL, NULL, NULL, NULL,
   '2022-01-01T10:00:00.000Z', '2022-01-01T11:00:00.000Z'),
  (1, 2, 2, '2', 'finished', 'TAG2', '2022-01-02T10:00:00.000Z', '2022-01-02T12:00:00.000Z',
   0.1, 0.30000000000000004, NULL, 0.2, NULL, NULL, NULL, 'Local', 3, 'Idle', NULL, NULL, NULL,
   '2022-01-02T10:00:00.000Z', '2022-01-02T12:00:00.000Z'),
  (2, 7, 1, 'tx-3', 'finished', 'TAG1', '2022-02-01T00:00:00.000Z', '2022-02-01T01:00:00.000Z',
   NULL, NULL, NULL, 12345.678, 0, 22000, 100, 'EVDisconnected', NULL, NULL, NULL, NULL, NULL,
   '2022-02-01T00:00:00.000Z', '2022-02-01T01:00:00.000Z'),
  (2, NULL, NULL, NULL, 'pending', 'TAG1', NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL,
   NULL, NULL, NULL, NULL, NULL, NULL, '2023-01-01T00:00:00.000Z', '2023-01-01T00:00:00.000Z'),
  (3, 1, 1, 'tx-5', 'finished', NULL, '2022-01-02T10:00:00.000Z', '2022-03-01T00:00:00.000Z',
   NULL, NULL, NULL, 1e9, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
   '2022-01-02T10:00:00.000Z', '2022-03-01T00:00:00.000Z');

INSERT INTO hardware_status_logs (charge_point_id, evse_network_id, connector_id,
    hardware_status, error_code, reported_at, created_at) VALUES
  (1, 1, 1, 'available', NULL, '2021-12-31T23:00:00.000Z', '2022-01-01T00:00:00.000Z'),
  (2, 1, 1, 'faulted', 'OverVoltage', '2022-01-01T00:00:00.000Z', '2022-01-01T00:00:00.500Z'),
  (1, 1, 1, 'charging', NULL, '2022-01-01T10:00:00.000Z', '2022-01-01T10:00:00.001Z'),
  (1, 2, 2, 'faulted', 'GroundFailure', '2022-05-01T00:00:00.000Z', '2022-05-01T00:00:00.000Z');

INSERT INTO network_status_logs (charge_point_id, network_status, protocol, created_at) VALUES
  (1, 'available', 'ocpp 1.6', '2021-01-01T00:00:00.000Z'),
  (1, 'temporarily_unavailable', NULL, '2021-06-01T00:00:00.000Z'),
  (2, 'available', 'ocpp 2.0.1', '2021-02-01T00:00:00.000Z'),
  (1, 'available', 'ocpp 1.6', '2021-06-01T12:00:00.000Z');

INSERT INTO id_tags (id_tag_uid, status, type, expire_at, external_id, id_label, created_at,
    updated_at) VALUES
  ('TAG1', 'enabled', 'rfid', NULL, 'ext-1', 'Label A', '2021-01-01T00:00:00.000Z',
   '2021-01-01T00:00:00.000Z'),
  ('TAG2', 'disabled', 'rfid', '2030-01-01T00:00:00.000Z', NULL, 'Label B',
   '2021-01-02T00:00:00.000Z', '2022-01-02T00:00:00.000Z'),
  ('tag1', 'enabled', 'app', NULL, NULL, NULL, '2021-01-03T00:00:00.000Z',
   '2022-06-01T00:00:00.000Z');

INSERT INTO authorizations (charge_point_id, id_tag, status, rejection_reason, method, source,
    session_id, created_at, updated_at) VALUES
  (1, 'TAG1', 'accepted', NULL, 'rfid', 'local', 1, '2022-01-01T09:59:00.000Z',
   '2022-01-01T10:00:00.000Z'),
  (NULL, 'X', 'rejected', 'unknown', 'app', 'api', NULL, '2022-02-01T00:00:00.000Z',
   '2022-02-01T00:00:00.000Z'),
  (2, 'TAG2', 'rejected', 'blocked', 'rfid', 'local', NULL, '2022-03-01T00:00:00.000Z',
   '2022-04-01T00:00:00.000Z'),
  (1, 'TAG2', 'accepted', NULL, 'remote', 'api', 2, '2022-01-02T09:00:00.000Z',
   '2022-01-02T10:00:00.000Z');

INSERT INTO reservations (charge_point_id, evse_network_id, id_tag, status, expires_at,
    created_at, updated_at) VALUES
  (1, 1, 'TAG1', 'active', '2022-01-01T12:00:00.000Z', '2022-01-01T11:00:00.000Z',
   '2022-01-01T11:00:00.000Z'),
  (1, 9, 'TAG1', 'expired', '2022-01-02T12:00:00.000Z', '2022-01-02T11:00:00.000Z',
   '2022-01-02T12:00:00.000Z'),
  (2, 1, 'TAG2', 'pending', NULL, '2022-02-01T00:00:00.000Z', '2022-02-01T00:00:00.000Z'),
  (1, NULL, NULL, 'active', NULL, '2022-03-01T00:00:00.000Z', '2022-03-01T00:00:00.000Z');

INSERT INTO security_events (charge_point_id, type, tech_info, occurred_at, created_at) VALUES
  (1, 'StartupOfTheDevice', NULL, '2021-01-01T00:00:00.000Z', '2021-01-01T00:00:01.000Z'),
  (2, 'InvalidCentralSystemCertificate', 'cert expired', '2022-01-01T00:00:00.000Z',
   '2022-01-01T00:00:00.000Z'),
  (1, 'ResetOrReboot', 'button', '2022-06-01T00:00:00.000Z', '2022-06-01T00:00:00.000Z');

INSERT INTO configurations (charge_point_id, key, value, readonly, updated_at) VALUES
  (1, 'b', '1', FALSE, '2022-01-01T00:00:00.000Z'),
  (1, 'B', NULL, TRUE, '2022-01-01T00:00:00.000Z'),
  (1, '_x', 'x', FALSE, '2022-01-01T00:00:00.000Z'),
  (1, 'a-b', 'dash', FALSE, '2022-01-01T00:00:00.000Z'),
  (1, 'Ab', '', FALSE, '2022-01-01T00:00:00.000Z'),
  (1, 'é', 'accent', TRUE, '2022-01-01T00:00:00.000Z'),
  (1, 'HeartbeatInterval', '300', FALSE, '2022-01-01T00:00:00.000Z'),
  (1, 'ab', 'lower', FALSE, '2022-01-01T00:00:00.000Z'),
  (2, 'HeartbeatInterval', '60', TRUE, '2022-01-01T00:00:00.000Z');

INSERT INTO subscriptions (via, callback_url, token_sha256, last_resend_at, created_at,
    updated_at) VALUES
  ('webhook', 'http://127.0.0.1:9/a', 'aa', NULL, '2021-01-01T00:00:00.000Z',
   '2021-01-01T00:00:00.000Z'),
  ('webhook', 'http://127.0.0.1:9/b', 'bb', NULL, '2021-01-01T00:00:00.000Z',
   '2021-01-01T00:00:00.000Z');

-- Both subscriptions want the configuration syncs and reservation changes, only the
-- second the applied profiles.
INSERT INTO subscription_topics (name, subscription_id, position) VALUES
  ('ChargePointSyncConfigurationNotification', 2, 0),
  ('ChargePointSyncConfigurationNotification', 1, 0),
  ('reservation.changed', 1, 1),
  ('reservation.changed', 2, 1),
  ('chargingProfile.applied', 2, 2);

INSERT INTO meter_values (charge_point_id, session_id, evse_network_id, sampled_at, measurand,
    phase, unit, context, value) VALUES
  (1, 1, 1, '2022-01-01T10:30:00.000Z', 'Energy.Active.Import.Register', NULL, 'Wh', NULL, 1250),
  (1, 1, 1, '2022-01-01T10:30:00.000Z', 'Power.Active.Import', 'L1', 'W', NULL, 2400.5),
  (2, 3, 7, '2022-02-01T00:30:00.000Z', 'SoC', NULL, 'Percent', 'Sample.Periodic', 80);
