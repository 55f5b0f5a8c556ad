//! The messages of the OCPP 1.6 security extension (Security Whitepaper edition 2),
//! which rust-ocpp does not define, in its style: camelCase serde structs, enums spelt
//! as on the wire, `validator` lengths (`maxLength` of the extension's JSON schemas; the
//! schemas set no minimum lengths).
//!
//! Charger→central system: LogStatusNotification, SecurityEventNotification,
//! SignCertificate, SignedFirmwareStatusNotification. Central system→charger:
//! CertificateSigned, DeleteCertificate, ExtendedTriggerMessage,
//! GetInstalledCertificateIds, GetLog, InstallCertificate, SignedUpdateFirmware.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use validator::Validate;

// ---- datatypes -------------------------------------------------------------------

/// Identifies a certificate by hashes of its issuer and its serial number.
#[derive(Serialize, Deserialize, Validate, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CertificateHashDataType {
    /// The algorithm of the two hashes.
    pub hash_algorithm: HashAlgorithmEnumType,
    /// Hash of the issuer's distinguished name, hex.
    #[validate(length(max = 128))]
    pub issuer_name_hash: String,
    /// Hash of the issuer's public key, hex.
    #[validate(length(max = 128))]
    pub issuer_key_hash: String,
    /// The certificate's serial number, hex.
    #[validate(length(max = 40))]
    pub serial_number: String,
}

/// Where and which part of a log to upload.
#[derive(Serialize, Deserialize, Validate, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LogParametersType {
    /// The URL to upload the log to.
    #[validate(length(max = 512))]
    pub remote_location: String,
    /// The oldest entry to include.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oldest_timestamp: Option<DateTime<Utc>>,
    /// The newest entry to include.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latest_timestamp: Option<DateTime<Utc>>,
}

/// A signed firmware image to install.
#[derive(Serialize, Deserialize, Validate, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FirmwareType {
    /// The URL to download the firmware from.
    #[validate(length(max = 512))]
    pub location: String,
    /// When to download.
    pub retrieve_date_time: DateTime<Utc>,
    /// When to install.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub install_date_time: Option<DateTime<Utc>>,
    /// The PEM certificate the firmware was signed with.
    #[validate(length(max = 5500))]
    pub signing_certificate: String,
    /// The base64 signature of the firmware.
    #[validate(length(max = 800))]
    pub signature: String,
}

// ---- enumerations ----------------------------------------------------------------

/// Hash algorithms of [`CertificateHashDataType`].
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithmEnumType {
    SHA256,
    SHA384,
    SHA512,
}

/// Kinds of root certificate a charger keeps.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateUseEnumType {
    CentralSystemRootCertificate,
    ManufacturerRootCertificate,
}

/// Progress of a log upload.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadLogStatusEnumType {
    BadMessage,
    Idle,
    NotSupportedOperation,
    PermissionDenied,
    Uploaded,
    UploadFailure,
    Uploading,
}

/// Progress of a signed firmware update (wider than core 1.6's `FirmwareStatus`).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirmwareStatusEnumType {
    Downloaded,
    DownloadFailed,
    Downloading,
    DownloadScheduled,
    DownloadPaused,
    Idle,
    InstallationFailed,
    Installing,
    Installed,
    InstallRebooting,
    InstallScheduled,
    InstallVerificationFailed,
    InvalidSignature,
    SignatureVerified,
}

/// Messages an ExtendedTriggerMessage may ask for.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageTriggerEnumType {
    BootNotification,
    LogStatusNotification,
    FirmwareStatusNotification,
    Heartbeat,
    MeterValues,
    SignChargePointCertificate,
    StatusNotification,
}

/// Kinds of log GetLog may ask for.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogEnumType {
    DiagnosticsLog,
    SecurityLog,
}

/// Accepted or rejected.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenericStatusEnumType {
    Accepted,
    Rejected,
}

/// Answer to CertificateSigned.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateSignedStatusEnumType {
    Accepted,
    Rejected,
}

/// Answer to DeleteCertificate.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteCertificateStatusEnumType {
    Accepted,
    Failed,
    NotFound,
}

/// Answer to ExtendedTriggerMessage.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerMessageStatusEnumType {
    Accepted,
    Rejected,
    NotImplemented,
}

/// Answer to GetInstalledCertificateIds.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetInstalledCertificateStatusEnumType {
    Accepted,
    NotFound,
}

/// Answer to GetLog.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStatusEnumType {
    Accepted,
    Rejected,
    AcceptedCanceled,
}

/// Answer to InstallCertificate.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallCertificateStatusEnumType {
    Accepted,
    Failed,
    Rejected,
}

/// Answer to SignedUpdateFirmware.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateFirmwareStatusEnumType {
    Accepted,
    Rejected,
    AcceptedCanceled,
    InvalidCertificate,
    RevokedCertificate,
}

// ---- charger → central system ----------------------------------------------------

/// LogStatusNotification.req: progress of a GetLog upload.
#[derive(Serialize, Deserialize, Validate, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LogStatusNotificationRequest {
    pub status: UploadLogStatusEnumType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<i32>,
}

/// LogStatusNotification.conf (no fields).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct LogStatusNotificationResponse {}

/// SecurityEventNotification.req: a security event happened at the charger.
#[derive(Serialize, Deserialize, Validate, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SecurityEventNotificationRequest {
    /// The event type (Security Whitepaper appendix 1), free text on the wire.
    #[serde(rename = "type")]
    #[validate(length(max = 50))]
    pub kind: String,
    pub timestamp: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 255))]
    pub tech_info: Option<String>,
}

/// SecurityEventNotification.conf (no fields).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityEventNotificationResponse {}

/// SignCertificate.req: a certificate signing request (PEM CSR).
#[derive(Serialize, Deserialize, Validate, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SignCertificateRequest {
    #[validate(length(max = 5500))]
    pub csr: String,
}

/// SignCertificate.conf.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct SignCertificateResponse {
    pub status: GenericStatusEnumType,
}

/// SignedFirmwareStatusNotification.req: progress of a SignedUpdateFirmware.
#[derive(Serialize, Deserialize, Validate, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SignedFirmwareStatusNotificationRequest {
    pub status: FirmwareStatusEnumType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<i32>,
}

/// SignedFirmwareStatusNotification.conf (no fields).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
pub struct SignedFirmwareStatusNotificationResponse {}

// ---- central system → charger ----------------------------------------------------

/// CertificateSigned.req: the signed certificate chain (PEM) answering a SignCertificate.
#[derive(Serialize, Deserialize, Validate, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct CertificateSignedRequest {
    #[validate(length(max = 10000))]
    pub certificate_chain: String,
}

/// CertificateSigned.conf.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct CertificateSignedResponse {
    pub status: CertificateSignedStatusEnumType,
}

/// DeleteCertificate.req.
#[derive(Serialize, Deserialize, Validate, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DeleteCertificateRequest {
    #[validate(nested)]
    pub certificate_hash_data: CertificateHashDataType,
}

/// DeleteCertificate.conf.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct DeleteCertificateResponse {
    pub status: DeleteCertificateStatusEnumType,
}

/// ExtendedTriggerMessage.req.
#[derive(Serialize, Deserialize, Validate, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ExtendedTriggerMessageRequest {
    pub requested_message: MessageTriggerEnumType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector_id: Option<u32>,
}

/// ExtendedTriggerMessage.conf.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ExtendedTriggerMessageResponse {
    pub status: TriggerMessageStatusEnumType,
}

/// GetInstalledCertificateIds.req.
#[derive(Serialize, Deserialize, Validate, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GetInstalledCertificateIdsRequest {
    pub certificate_type: CertificateUseEnumType,
}

/// GetInstalledCertificateIds.conf.
#[derive(Serialize, Deserialize, Validate, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GetInstalledCertificateIdsResponse {
    /// At least one entry when present.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[validate(length(min = 1), nested)]
    pub certificate_hash_data: Option<Vec<CertificateHashDataType>>,
    pub status: GetInstalledCertificateStatusEnumType,
}

/// GetLog.req.
#[derive(Serialize, Deserialize, Validate, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GetLogRequest {
    #[validate(nested)]
    pub log: LogParametersType,
    pub log_type: LogEnumType,
    pub request_id: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_interval: Option<i32>,
}

/// GetLog.conf.
#[derive(Serialize, Deserialize, Validate, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GetLogResponse {
    pub status: LogStatusEnumType,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[validate(length(max = 255))]
    pub filename: Option<String>,
}

/// InstallCertificate.req: a root certificate (PEM) to install.
#[derive(Serialize, Deserialize, Validate, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct InstallCertificateRequest {
    pub certificate_type: CertificateUseEnumType,
    #[validate(length(max = 5500))]
    pub certificate: String,
}

/// InstallCertificate.conf.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct InstallCertificateResponse {
    pub status: InstallCertificateStatusEnumType,
}

/// SignedUpdateFirmware.req.
#[derive(Serialize, Deserialize, Validate, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SignedUpdateFirmwareRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_interval: Option<i32>,
    pub request_id: i32,
    #[validate(nested)]
    pub firmware: FirmwareType,
}

/// SignedUpdateFirmware.conf.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct SignedUpdateFirmwareResponse {
    pub status: UpdateFirmwareStatusEnumType,
}
