//! [`LoadStore`]: what load management keeps — circuits, their attachments and
//! priorities, electricity meters, EVSE power options — as the API edits it and the
//! load manager reads it (see the seam's table in `seam`).

use super::*;

seam! {
/// Load management's storage. Writes that refer to other rows check them in their own
/// transaction: a refusal stores nothing. Lists return at most `page.limit` rows in id
/// order (attachments by charge point id).
pub trait LoadStore {
    /// Circuits by id.
    read_op fn circuits(filter: CircuitFilter, page: Page) -> R<Vec<CircuitView>>
        = |db| res::circuit::list(db, filter, *page);
    /// One circuit.
    read_op fn circuit(id: i64) -> R<Option<CircuitView>> = |db| res::circuit::get(db, *id);
    /// Adds a circuit; an unknown meter or parent, or fields that disagree, are
    /// `Invalid` naming the field.
    write_op fn create_circuit(spec: CircuitSpec) -> Refusable<CircuitView>
        = |db| res::circuit::create(db, spec) => settle;
    /// Changes a circuit, refused like a create, and when the new parent is the circuit
    /// or below it, when a child circuit or an attached EVSE would no longer fit.
    write_op fn update_circuit(id: i64, patch: CircuitPatch) -> Refusable<CircuitView>
        = |db| res::circuit::update(db, *id, patch) => settle;
    /// Deletes a circuit and what hangs off it; one with child circuits is `Invalid`.
    write_op fn delete_circuit(id: i64) -> Refusable<()>
        = |db| res::circuit::delete(db, *id) => settle;
    /// Attaches a charge point (again: changes its priority when one is given); `NotFound`
    /// for an unknown circuit, `Invalid` (`chargePointId`) for an unknown charge point,
    /// one in another circuit, or one with an EVSE that does not fit the circuit.
    write_op fn attach_charge_point(
        circuit: i64, charge_point: i64, priority: Option<f64>,
    ) -> Refusable<()>
        = |db| res::attachment::attach(db, *circuit, *charge_point, *priority) => settle;
    /// Detaches a charge point with its EVSE and session priorities; false when it was
    /// not in the circuit.
    write_op fn detach_charge_point(circuit: i64, charge_point: i64) -> R<bool>
        = |db| res::attachment::detach(db, *circuit, *charge_point);
    /// An attached charge point's priority; false when it is not in the circuit.
    write_op fn set_charge_point_priority(circuit: i64, charge_point: i64, priority: f64) -> R<bool>
        = |db| res::attachment::set_priority(db, *circuit, *charge_point, *priority);
    /// The priority of an EVSE (its own id) of an attached charge point; false when the
    /// charge point is not in the circuit or the EVSE is not its.
    write_op fn set_evse_priority(
        circuit: i64, charge_point: i64, evse: i64, priority: f64,
    ) -> R<bool>
        = |db| res::attachment::set_evse_priority(db, *circuit, *charge_point, *evse, *priority);
    /// A session's priority under the circuit: `NotFound` for an unknown session,
    /// `Invalid` (`session`) for one whose charge point is not in the circuit.
    write_op fn set_session_priority(circuit: i64, session: i64, priority: f64) -> Refusable<()>
        = |db| res::attachment::set_session_priority(db, *circuit, *session, *priority) => settle;
    /// The charge points in a circuit with their EVSEs' priorities, by charge point id.
    read_op fn attached_charge_points(circuit: i64, page: Page) -> R<Vec<AttachedChargePoint>>
        = |db| res::attachment::attached(db, *circuit, *page);
    /// Replaces a circuit's SoC priorities (all none removes them).
    write_op fn set_soc_priorities(circuit: i64, soc: SocPriorities) -> R<()>
        = |db| res::attachment::set_soc(db, *circuit, soc);
    /// A circuit's SoC priorities (all none when not set).
    read_op fn soc_priorities(circuit: i64) -> R<SocPriorities>
        = |db| res::attachment::soc(db, *circuit);
    /// A circuit's user priorities.
    read_op fn user_priorities(circuit: i64, page: Page) -> R<Vec<UserPriorityView>>
        = |db| res::attachment::user_priorities(db, *circuit, *page);
    /// One user priority of a circuit.
    read_op fn user_priority(circuit: i64, id: i64) -> R<Option<UserPriorityView>>
        = |db| res::attachment::user_priority(db, *circuit, *id);
    /// Adds a user priority; `NotFound` for an unknown circuit.
    write_op fn create_user_priority(circuit: i64, spec: UserPrioritySpec) -> Refusable<UserPriorityView>
        = |db| res::attachment::create_user_priority(db, *circuit, spec) => settle;
    /// Changes a user priority of the circuit.
    write_op fn update_user_priority(
        circuit: i64, id: i64, patch: UserPriorityPatch,
    ) -> Refusable<UserPriorityView>
        = |db| res::attachment::update_user_priority(db, *circuit, *id, patch) => found;
    /// Deletes a user priority of the circuit.
    write_op fn delete_user_priority(circuit: i64, id: i64) -> Refusable<()>
        = |db| res::attachment::delete_user_priority(db, *circuit, *id) => deleted;
    /// The load manager's measure of a circuit's consumption, A per phase (L1, L2, L3;
    /// none removes that phase's), at `at` (ISO 8601 UTC); false for an unknown circuit.
    write_op fn set_circuit_consumption(circuit: i64, amps: [Option<f64>; 3], at: String) -> R<bool>
        = |db| res::load::set_consumption(db, *circuit, amps, at);
    /// A circuit's consumption by phase, as last written (empty before).
    read_op fn circuit_consumption(circuit: i64) -> R<Vec<PhaseCurrent>>
        = |db| res::load::consumption(db, *circuit);
    /// Electricity meters by id.
    read_op fn meters(page: Page) -> R<Vec<MeterView>> = |db| res::meter::list(db, *page);
    /// One meter, with its last report.
    read_op fn meter(id: i64) -> R<Option<MeterView>> = |db| res::meter::get(db, *id);
    /// Adds a meter.
    write_op fn create_meter(spec: MeterSpec) -> Refusable<MeterView>
        = |db| res::meter::create(db, spec) => found;
    /// Changes a meter.
    write_op fn update_meter(id: i64, patch: MeterPatch) -> Refusable<MeterView>
        = |db| res::meter::update(db, *id, patch) => found;
    /// Deletes a meter; one a circuit uses is `Invalid` (`electricityMeter`).
    write_op fn delete_meter(id: i64) -> Refusable<()>
        = |db| res::meter::delete(db, *id) => settle;
    /// A meter's report, kept as its last; one older than the last is `Rejected`.
    write_op fn report_consumption(id: i64, report: MeterReport) -> Refusable<()>
        = |db| res::meter::report(db, *id, report) => settle;
    /// Changes an EVSE's power options (see `store::resources::electrical`): `Invalid`
    /// when they disagree or no longer fit the EVSE's circuit.
    write_op fn set_power_options(evse: i64, patch: PowerOptionsPatch) -> Refusable<EvseView>
        = |db| res::load::set_power(db, *evse, patch) => settle;
    /// Adds EVSE `network_id` (its OCPP number) to a charge point, with its power options:
    /// `NotFound` for an unknown charge point, `Duplicate("networkId")` for one it has.
    write_op fn create_evse(
        charge_point: i64, network_id: i64, power: PowerOptions,
    ) -> Refusable<EvseView>
        = |db| res::load::create_evse(db, *charge_point, *network_id, power) => settle;
    /// Everything load management is configured with, for the load manager.
    read_op fn load_inputs() -> R<LoadInputs> = |db| res::load::inputs(db);
    /// The sessions running on the EVSEs of attached charge points.
    read_op fn load_sessions() -> R<Vec<LoadSession>> = |db| res::running::sessions(db);
    /// The protocol of each attached charge point.
    read_op fn load_protocols() -> R<Vec<LoadProtocol>> = |db| res::running::protocols(db);
    /// Records the limits chargers accepted from the load manager (the latest per EVSE).
    write_op fn set_load_held(held: Vec<LoadHeld>) -> R<()> = |db| res::running::set_held(db, held);
    /// What the chargers of attached charge points last accepted.
    read_op fn load_held() -> R<Vec<LoadHeld>> = |db| res::running::held(db);
} declared {
    /// Claims the allocation of the circuit trees named by `roots` for `ttl`; the roots
    /// this process holds now. A store several processes share (cluster mode) keeps the
    /// leases, so that each tree has one allocator at a time; a store of one process holds
    /// every tree.
    async fn claim_circuits(&self, roots: Vec<i64>, ttl: Duration) -> R<Vec<i64>>;
} defined {
    async fn claim_circuits(&self, roots: Vec<i64>, ttl: Duration) -> R<Vec<i64>> {
        let Some(node) = self.cluster_node() else {
            return Ok(roots);
        };
        on_engine!(self, write_op, (node, roots), |db, (node, roots)| {
            res::running::claim_circuits(db, roots, node, ttl)
        })
    }
}}
