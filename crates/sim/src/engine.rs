//! The discrete-event simulation: calls arrive, wait the dispatch delay, get units through
//! `dispatch::recommend`, units travel by road, work on scene, return to rest; calls queue when no
//! unit fits; every change of status goes through dispatch's own lifecycle rules.

use crate::error::SimError;
use crate::travel::FastTravel;
use dispatch::{
    change_incident_status, change_status, recommend, response_plan, Call, Caller, Incident,
    IncidentCategory, IncidentId, IncidentStatus, PositionFix, Priority, RecommendError,
    Recommendation, Unit, UnitId, UnitStatus,
};
use measure::{LonLat, Seconds, Timestamp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use roadnet::{Profile, RoadNetwork};
use scenario::{CallRecord, Deployment};
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};

/// Where a unit goes once it clears a scene.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterCall {
    /// Back to its workstation, available there.
    ReturnHome,
    /// Back to its patrol grid's centre, patrolling (units without a grid go home).
    ResumePatrol,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnSceneDistribution {
    /// Memoryless, as in M/M/1.
    Exponential,
    /// Always the mean, as in M/D/1.
    Fixed,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    /// From the call to the dispatcher's decision.
    pub dispatch_delay: Seconds,
    /// Mean time on scene, per category in the order of `IncidentCategory::ALL`.
    pub on_scene: [Seconds; 6],
    pub on_scene_distribution: OnSceneDistribution,
    pub after_call: AfterCall,
    /// A P1 call with no free unit calls off the nearest unit driving to a P3 or P4 call.
    pub preempt_p1: bool,
    /// A call still waiting for its first unit this long after the decision is abandoned.
    pub max_queue_wait: Option<Seconds>,
    pub seed: u64,
    /// A replayed call with a recorded dispatch time waits its recorded delay instead.
    pub replay_recorded_dispatch: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        let minutes = Seconds::from_minutes;
        SimConfig {
            dispatch_delay: Seconds(60.0),
            // criminal, public order, traffic, dispute, assistance, referral
            on_scene: [
                minutes(45.0),
                minutes(30.0),
                minutes(35.0),
                minutes(30.0),
                minutes(20.0),
                minutes(15.0),
            ],
            on_scene_distribution: OnSceneDistribution::Exponential,
            after_call: AfterCall::ResumePatrol,
            preempt_p1: true,
            max_queue_wait: Some(Seconds::from_minutes(120.0)),
            seed: 1,
            replay_recorded_dispatch: true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallEnd {
    /// A unit arrived and the incident was closed.
    Served,
    /// Nobody came within the queue limit.
    AbandonedInQueue,
    /// The deployment has no unit the response plan accepts, so nobody ever could come.
    NoSuitableUnit,
    /// The place is off the road map.
    OffMap,
}

/// What happened to one call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CallOutcome {
    pub category: IncidentCategory,
    pub priority: Priority,
    pub end: CallEnd,
    /// From the dispatcher's decision to the first dispatch: time spent waiting for a free unit.
    pub queue_wait: Option<Seconds>,
    /// From the call to the first unit on scene.
    pub response: Option<Seconds>,
    /// Road time of the first unit on scene, from its dispatch.
    pub travel: Option<Seconds>,
    /// Home workstation (index in the deployment) of the first unit on scene.
    pub workstation: Option<u32>,
    /// Patrol grid (index in the deployment) holding the call.
    pub grid: Option<u32>,
    /// Plan slots no unit could fill at the first dispatch.
    pub unfilled_slots: u32,
    /// A unit on its way here was called off for a P1 call.
    pub preempted: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SimOutcome {
    /// In the order of the calls given.
    pub calls: Vec<CallOutcome>,
    /// Per unit in deployment order: time from dispatch until back at rest.
    pub unit_busy: Vec<Seconds>,
    /// From the first call to the last event.
    pub horizon: Seconds,
    pub events: u64,
    pub dispatches: u64,
    /// Every recommendation made, as (call index, proposed units), when asked for.
    pub decisions: Vec<(u32, Vec<UnitId>)>,
}

/// Everything that does not depend on the seed: the units, their rest points and the travel
/// tables. Prepare once, run many seeds.
pub struct World<'a> {
    pub deployment: Deployment,
    pub travel: FastTravel<'a>,
    units: Vec<Unit>,
    /// Per unit: profile slot in the travel tables, rest origin, and whether it patrols there.
    rest: Vec<(usize, u32, bool)>,
    /// Per call: its place in the travel tables and its grid.
    call_place: Vec<u32>,
    call_grid: Vec<Option<u32>>,
    /// `accepts[plan index][unit]`: the standing response plan takes this unit.
    accepts: Vec<Vec<bool>>,
    home_index: Vec<u32>,
    calls: Vec<CallRecord>,
}

fn plan_index(category: IncidentCategory, priority: Priority) -> usize {
    let c = IncidentCategory::ALL
        .iter()
        .position(|&x| x == category)
        .expect("ALL lists every category");
    c * 4 + priority as usize
}

/// Builds the travel tables for `deployment` and `calls`.
pub fn prepare<'a>(
    network: &'a RoadNetwork,
    deployment: &Deployment,
    calls: &[CallRecord],
    after_call: AfterCall,
) -> Result<World<'a>, SimError> {
    deployment.check().map_err(SimError::Deployment)?;
    if deployment.units.is_empty() {
        return Err(SimError::NoUnits);
    }
    let mut units = deployment.dispatch_units();
    units.sort_by(|a, b| a.id.cmp(&b.id));
    let plans: HashMap<&UnitId, &scenario::UnitPlan> =
        deployment.units.iter().map(|u| (&u.id, u)).collect();
    let mut rest_points: Vec<(Profile, Vec<LonLat>)> = Vec::new();
    let mut rest_of_unit = Vec::with_capacity(units.len());
    let mut home_index = Vec::with_capacity(units.len());
    for unit in &units {
        let plan = plans[&unit.id];
        let home = deployment
            .workstation_index(&plan.home)
            .expect("checked: homes exist");
        home_index.push(home as u32);
        let patrol_grid = match after_call {
            AfterCall::ResumePatrol => plan.grid.as_ref().and_then(|g| deployment.grid_index(g)),
            AfterCall::ReturnHome => None,
        };
        // A grid centre off this unit's roads (a river, a park without paths): it rests at home.
        let (point, patrols) = match patrol_grid {
            Some(grid)
                if roadnet::snap(
                    network.graph(unit.profile)?,
                    deployment.grids[grid].centre(),
                    roadnet::DEFAULT_MAX_SNAP,
                )
                .is_ok() =>
            {
                (deployment.grids[grid].centre(), true)
            }
            _ => (deployment.workstations[home].location, false),
        };
        let slot = match rest_points.iter().position(|(p, _)| *p == unit.profile) {
            Some(slot) => slot,
            None => {
                rest_points.push((unit.profile, Vec::new()));
                rest_points.len() - 1
            }
        };
        rest_points[slot].1.push(point);
        rest_of_unit.push((slot, point, patrols));
    }
    let places: Vec<LonLat> = calls.iter().map(|c| c.location).collect();
    let travel = FastTravel::new(network, &rest_points, &places)?;
    let rest = rest_of_unit
        .iter()
        .map(|&(slot, point, patrols)| {
            let origin = travel
                .origin(slot, point)
                .expect("every rest point is an origin");
            (slot, origin, patrols)
        })
        .collect();
    let call_place = calls
        .iter()
        .map(|c| {
            travel
                .place(c.location)
                .expect("every call place is indexed")
        })
        .collect();
    let call_grid = calls
        .iter()
        .map(|c| deployment.grid_of(c.location).map(|g| g as u32))
        .collect();
    let mut accepts = vec![Vec::new(); IncidentCategory::ALL.len() * 4];
    for category in IncidentCategory::ALL {
        for priority in Priority::ALL {
            let plan = response_plan(category, priority);
            accepts[plan_index(category, priority)] =
                units.iter().map(|u| plan.accepts(u)).collect();
        }
    }
    Ok(World {
        deployment: deployment.clone(),
        travel,
        units,
        rest,
        call_place,
        call_grid,
        accepts,
        home_index,
        calls: calls.to_vec(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Arrival { call: u32 },
    Decide { call: u32 },
    Reach { unit: u32, trip: u32 },
    Clear { unit: u32, trip: u32 },
    Rest { unit: u32, trip: u32 },
    Abandon { call: u32 },
}

#[derive(Debug, Clone, Copy, Default)]
struct UnitState {
    call: Option<u32>,
    /// Bumped whenever a trip is called off, so its pending events are ignored.
    trip: u32,
    /// The rest origin the current trip started from.
    departed_from: u32,
    dispatched_at: i64,
    busy_since: i64,
    busy_millis: i64,
}

#[derive(Debug, Default)]
struct CallState {
    incident: Option<Incident>,
    decided_at: Option<i64>,
    first_dispatch: Option<i64>,
    first_arrival: Option<(i64, u32, i64)>,
    units_out: u32,
    unfilled_slots: u32,
    preempted: bool,
    in_queue: bool,
    end: Option<CallEnd>,
}

struct Simulation<'w, 'a> {
    world: &'w World<'a>,
    config: &'w SimConfig,
    rng: ChaCha8Rng,
    units: Vec<Unit>,
    unit_index: HashMap<UnitId, u32>,
    states: Vec<UnitState>,
    calls: Vec<CallState>,
    queue: BTreeSet<(Priority, i64, u32)>,
    heap: BinaryHeap<Reverse<(i64, u64, Event)>>,
    sequence: u64,
    events: u64,
    dispatches: u64,
    record_decisions: bool,
    decisions: Vec<(u32, Vec<UnitId>)>,
}

const HISTORY_KEPT: usize = 16;

impl Simulation<'_, '_> {
    fn schedule(&mut self, at: i64, event: Event) {
        self.sequence += 1;
        self.heap.push(Reverse((at, self.sequence, event)));
    }

    fn set_status(&mut self, unit: u32, to: UnitStatus, now: i64) {
        let record = &mut self.units[unit as usize];
        change_status(record, to, Timestamp(now))
            .unwrap_or_else(|error| panic!("the simulator follows the unit lifecycle: {error}"));
        if record.history.len() > 2 * HISTORY_KEPT {
            record.history.drain(..HISTORY_KEPT);
        }
    }

    fn set_incident_status(&mut self, call: u32, to: IncidentStatus, now: i64) {
        let incident = self.calls[call as usize]
            .incident
            .as_mut()
            .expect("an open call has its incident");
        change_incident_status(incident, to, Timestamp(now)).unwrap_or_else(|error| {
            panic!("the simulator follows the incident lifecycle: {error}")
        });
    }

    fn rest_at(&mut self, unit: u32, origin: u32, now: i64) {
        let (slot, _, _) = self.world.rest[unit as usize];
        let point = self.world.travel.origin_point(slot, origin);
        let record = &mut self.units[unit as usize];
        record.position = Some(PositionFix {
            point,
            at: Timestamp(now),
        });
        self.states[unit as usize].departed_from = origin;
    }

    fn on_scene_millis(&mut self, category: IncidentCategory) -> i64 {
        let index = IncidentCategory::ALL
            .iter()
            .position(|&c| c == category)
            .expect("ALL lists every category");
        let mean = self.config.on_scene[index].0 * 1000.0;
        let millis = match self.config.on_scene_distribution {
            OnSceneDistribution::Fixed => mean,
            OnSceneDistribution::Exponential => -(1.0 - self.rng.gen::<f64>()).ln() * mean,
        };
        millis.round() as i64
    }

    /// Asks `recommend` for the call and sends whom it proposes. Returns how many were sent.
    fn dispatch(&mut self, call: u32, now: i64) -> usize {
        let recommendation = {
            let incident = self.calls[call as usize]
                .incident
                .as_ref()
                .expect("an open call has its incident");
            decide(
                self.world,
                &self.units,
                call as usize,
                incident,
                Timestamp(now),
            )
        };
        let recommendation = match recommendation {
            Ok(recommendation) => recommendation,
            Err(RecommendError::IncidentOffMap { .. }) => {
                self.finish_unserved(call, CallEnd::OffMap, now);
                return 0;
            }
            Err(error) => panic!("only open calls are dispatched: {error}"),
        };
        if self.record_decisions {
            self.decisions.push((call, recommendation.proposed.clone()));
        }
        let first = self.calls[call as usize].first_dispatch.is_none();
        if first {
            self.calls[call as usize].unfilled_slots = recommendation
                .unfilled
                .iter()
                .filter_map(|slot| slot.split_whitespace().next()?.parse::<u32>().ok())
                .sum();
        }
        let mut sending: Vec<&dispatch::Candidate> = recommendation
            .ranked
            .iter()
            .filter(|c| c.proposed_as.is_some())
            .collect();
        if sending.is_empty() && self.calls[call as usize].preempted {
            // `recommend` never proposes a unit already sent; a dispatcher sends a unit that was
            // called off this call back once it is free, nearest first.
            sending.extend(recommendation.ranked.first());
        }
        let mut sent = 0;
        for candidate in sending {
            let unit = self.unit_index[&candidate.unit];
            let travel = (candidate.eta.0 * 1000.0).round() as i64;
            self.set_status(unit, UnitStatus::Dispatched, now);
            self.set_status(unit, UnitStatus::EnRoute, now);
            let units = &mut self.units[unit as usize];
            units.incident = Some(IncidentId(call as u64 + 1));
            let state = &mut self.states[unit as usize];
            state.call = Some(call);
            state.dispatched_at = now;
            state.busy_since = now;
            let trip = state.trip;
            {
                let incident = self.calls[call as usize]
                    .incident
                    .as_mut()
                    .expect("an open call has its incident");
                incident.units.push(candidate.unit.clone());
            }
            if self.calls[call as usize]
                .incident
                .as_ref()
                .map(|i| i.status)
                == Some(IncidentStatus::Received)
            {
                self.set_incident_status(call, IncidentStatus::Dispatched, now);
            }
            let state = &mut self.calls[call as usize];
            state.units_out += 1;
            state.first_dispatch.get_or_insert(now);
            self.schedule(now + travel, Event::Reach { unit, trip });
            self.dispatches += 1;
            sent += 1;
        }
        sent
    }

    fn finish_unserved(&mut self, call: u32, end: CallEnd, now: i64) {
        let state = &mut self.calls[call as usize];
        if state.end.is_some() {
            return;
        }
        if state.in_queue {
            let record = &self.world.calls[call as usize];
            self.queue.remove(&(record.priority, record.at.0, call));
            state.in_queue = false;
        }
        state.end = Some(end);
        if let Some(mut incident) = state.incident.take() {
            change_incident_status(&mut incident, IncidentStatus::Cancelled, Timestamp(now))
                .unwrap_or_else(|error| panic!("an unserved call can be cancelled: {error}"));
        }
    }

    fn enqueue(&mut self, call: u32) {
        let record = &self.world.calls[call as usize];
        self.queue.insert((record.priority, record.at.0, call));
        self.calls[call as usize].in_queue = true;
    }

    /// Calls off the nearest unit driving to a P3 or P4 call that this P1 call's plan accepts.
    fn preempt_for(&mut self, call: u32, now: i64) -> bool {
        let record = self.world.calls[call as usize];
        let place = self.world.call_place[call as usize];
        let accepts = &self.world.accepts[plan_index(record.category, record.priority)];
        let mut best: Option<(u32, u32)> = None;
        for (index, unit) in self.units.iter().enumerate() {
            if !accepts[index] || unit.status != UnitStatus::EnRoute {
                continue;
            }
            let Some(target) = self.states[index].call else {
                continue;
            };
            if self.world.calls[target as usize].priority < Priority::P3 {
                continue;
            }
            let (slot, _, _) = self.world.rest[index];
            // FIXME: the unit is somewhere along its road; without the path the ETA is taken
            // from where it started, an upper bound.
            if let Some(millis) =
                self.world
                    .travel
                    .trip(slot, self.states[index].departed_from, place)
            {
                if best.is_none_or(|(b, _)| millis < b) {
                    best = Some((millis, index as u32));
                }
            }
        }
        let Some((_, unit)) = best else {
            return false;
        };
        let old_call = self.states[unit as usize]
            .call
            .take()
            .expect("an en-route unit has a call");
        self.set_status(unit, UnitStatus::Available, now);
        let state = &mut self.states[unit as usize];
        state.trip += 1;
        state.busy_millis += now - state.busy_since;
        let origin = state.departed_from;
        self.rest_at(unit, origin, now);
        let old = &mut self.calls[old_call as usize];
        old.units_out -= 1;
        old.preempted = true;
        if old.units_out == 0 && old.first_arrival.is_none() {
            self.enqueue(old_call);
        }
        true
    }

    /// Offers a unit that just came free to the waiting calls, most urgent and oldest first.
    fn serve_queue(&mut self, unit: u32, now: i64) {
        let mut after: Option<(Priority, i64, u32)> = None;
        loop {
            let next = match after {
                None => self.queue.iter().next(),
                Some(key) => self
                    .queue
                    .range((std::ops::Bound::Excluded(key), std::ops::Bound::Unbounded))
                    .next(),
            };
            let Some(&key) = next else {
                return;
            };
            after = Some(key);
            let (priority, _, call) = key;
            let category = self.world.calls[call as usize].category;
            if !self.world.accepts[plan_index(category, priority)][unit as usize] {
                continue;
            }
            if self.dispatch(call, now) > 0 {
                self.queue.remove(&key);
                self.calls[call as usize].in_queue = false;
                return;
            }
        }
    }

    fn handle(&mut self, now: i64, event: Event) {
        match event {
            Event::Arrival { call } => {
                let incident = self.world.incident(call as usize);
                self.calls[call as usize].incident = Some(incident);
                let recorded = self.world.calls[call as usize].recorded.dispatched;
                let decide = match recorded.filter(|_| self.config.replay_recorded_dispatch) {
                    Some(dispatched) => dispatched.0.max(now),
                    None => now + (self.config.dispatch_delay.0 * 1000.0).round() as i64,
                };
                self.schedule(decide, Event::Decide { call });
            }
            Event::Decide { call } => {
                self.calls[call as usize].decided_at = Some(now);
                if let Some(limit) = self.config.max_queue_wait {
                    self.schedule(
                        now + (limit.0 * 1000.0).round() as i64,
                        Event::Abandon { call },
                    );
                }
                if self.dispatch(call, now) > 0 || self.calls[call as usize].end.is_some() {
                    return;
                }
                let p1 = self.world.calls[call as usize].priority == Priority::P1;
                if p1
                    && self.config.preempt_p1
                    && self.preempt_for(call, now)
                    && self.dispatch(call, now) > 0
                {
                    return;
                }
                self.enqueue(call);
            }
            Event::Reach { unit, trip } => {
                if self.states[unit as usize].trip != trip {
                    return;
                }
                self.set_status(unit, UnitStatus::OnScene, now);
                let state = self.states[unit as usize];
                let call = state.call.expect("a unit on its way has a call");
                let first = self.calls[call as usize].first_arrival.is_none();
                if first {
                    self.calls[call as usize].first_arrival =
                        Some((now, unit, now - state.dispatched_at));
                    self.set_incident_status(call, IncidentStatus::OnScene, now);
                }
                let category = self.world.calls[call as usize].category;
                let on_scene = self.on_scene_millis(category);
                self.schedule(now + on_scene, Event::Clear { unit, trip });
            }
            Event::Clear { unit, trip } => {
                if self.states[unit as usize].trip != trip {
                    return;
                }
                self.set_status(unit, UnitStatus::Returning, now);
                let call = self.states[unit as usize]
                    .call
                    .take()
                    .expect("a unit on scene has a call");
                let state = &mut self.calls[call as usize];
                state.units_out -= 1;
                if state.units_out == 0 {
                    state.end = Some(CallEnd::Served);
                    if state.in_queue {
                        let record = &self.world.calls[call as usize];
                        self.queue.remove(&(record.priority, record.at.0, call));
                        self.calls[call as usize].in_queue = false;
                    }
                    self.set_incident_status(call, IncidentStatus::Closed, now);
                    self.calls[call as usize].incident = None;
                }
                let (slot, origin, _) = self.world.rest[unit as usize];
                let place = self.world.call_place[call as usize];
                let back = self
                    .world
                    .travel
                    .trip_back(slot, place, origin)
                    .unwrap_or(0) as i64;
                self.schedule(now + back, Event::Rest { unit, trip });
            }
            Event::Rest { unit, trip } => {
                if self.states[unit as usize].trip != trip {
                    return;
                }
                let (_, origin, patrols) = self.world.rest[unit as usize];
                let to = if patrols {
                    UnitStatus::Patrolling
                } else {
                    UnitStatus::Available
                };
                self.set_status(unit, to, now);
                let state = &mut self.states[unit as usize];
                state.busy_millis += now - state.busy_since;
                self.rest_at(unit, origin, now);
                self.serve_queue(unit, now);
            }
            Event::Abandon { call } => {
                let state = &self.calls[call as usize];
                if state.in_queue && state.first_arrival.is_none() && state.units_out == 0 {
                    self.finish_unserved(call, CallEnd::AbandonedInQueue, now);
                }
            }
        }
    }
}

/// The free units `recommend` could propose for call `call`: for each slot of its plan, the
/// nearest units the slot accepts, as many as the whole plan needs. Every unit `recommend`
/// proposes is among them (it fills slots nearest first), so the decision stays its own.
fn shortlist<'u>(world: &World, units: &'u [Unit], call: usize) -> Vec<&'u Unit> {
    let record = &world.calls[call];
    let place = world.call_place[call];
    let accepts = &world.accepts[plan_index(record.category, record.priority)];
    let mut candidates: Vec<(u32, u32)> = Vec::new();
    let mut elsewhere: Vec<&Unit> = Vec::new();
    for (index, unit) in units.iter().enumerate() {
        if !accepts[index] || !unit.status.is_free() {
            continue;
        }
        let (slot, _, _) = world.rest[index];
        let Some(origin) = unit
            .position
            .and_then(|fix| world.travel.origin(slot, fix.point))
        else {
            // Not at a rest point: always offered, `recommend` ranks it by the road network.
            elsewhere.push(unit);
            continue;
        };
        match world.travel.trip(slot, origin, place) {
            Some(millis) => candidates.push((millis, index as u32)),
            // Off this unit's roads or unreachable: `recommend` says so, as the server does.
            None => elsewhere.push(unit),
        }
    }
    candidates.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| units[a.1 as usize].id.cmp(&units[b.1 as usize].id))
    });
    let plan = response_plan(record.category, record.priority);
    let needed = plan.n_units();
    let mut chosen = vec![false; candidates.len()];
    for requirement in &plan.requirements {
        let mut taken = 0;
        for (position, &(_, unit)) in candidates.iter().enumerate() {
            if taken == needed {
                break;
            }
            if requirement.accepts(&units[unit as usize]) {
                chosen[position] = true;
                taken += 1;
            }
        }
    }
    candidates
        .iter()
        .zip(chosen)
        .filter(|(_, chosen)| *chosen)
        .map(|(&(_, unit), _)| &units[unit as usize])
        .chain(elsewhere)
        .collect()
}

/// The simulator's dispatch decision for call `call` (index into the world's calls) in the state
/// `units` (the world's units, in its order): `dispatch::recommend` on the shortlist, with the
/// fast tables as its travel times.
pub fn decide(
    world: &World,
    units: &[Unit],
    call: usize,
    incident: &Incident,
    now: Timestamp,
) -> Result<Recommendation, RecommendError> {
    recommend(incident, shortlist(world, units, call), &world.travel, now)
}

/// Runs the calls of `world` with `config`'s seed and rules.
pub fn run(world: &World, config: &SimConfig) -> SimOutcome {
    run_with(world, config, false)
}

/// As [`run`], also returning every recommendation's proposed units (for tests).
pub fn run_with(world: &World, config: &SimConfig, record_decisions: bool) -> SimOutcome {
    let mut simulation = Simulation {
        world,
        config,
        rng: ChaCha8Rng::seed_from_u64(config.seed),
        units: world.units.clone(),
        unit_index: world
            .units
            .iter()
            .enumerate()
            .map(|(index, unit)| (unit.id.clone(), index as u32))
            .collect(),
        states: vec![UnitState::default(); world.units.len()],
        calls: (0..world.calls.len())
            .map(|_| CallState::default())
            .collect(),
        queue: BTreeSet::new(),
        heap: BinaryHeap::with_capacity(world.calls.len() + 1024),
        sequence: 0,
        events: 0,
        dispatches: 0,
        record_decisions,
        decisions: Vec::new(),
    };
    let start = world.calls.first().map_or(0, |c| c.at.0);
    for unit in 0..world.units.len() as u32 {
        let (_, origin, patrols) = world.rest[unit as usize];
        simulation.rest_at(unit, origin, start);
        if patrols {
            simulation.set_status(unit, UnitStatus::Patrolling, start);
        }
    }
    // Arrivals are pushed lazily, one ahead, so the heap holds only what is in flight.
    let mut next_call = 0usize;
    let mut now = start;
    loop {
        let next_arrival = world.calls.get(next_call).map(|c| c.at.0);
        let next_event = simulation.heap.peek().map(|Reverse((at, _, _))| *at);
        let (at, event) = match (next_arrival, next_event) {
            (Some(arrival), Some(event_at)) if arrival <= event_at => {
                next_call += 1;
                (
                    arrival,
                    Event::Arrival {
                        call: next_call as u32 - 1,
                    },
                )
            }
            (Some(arrival), None) => {
                next_call += 1;
                (
                    arrival,
                    Event::Arrival {
                        call: next_call as u32 - 1,
                    },
                )
            }
            (_, Some(_)) => {
                let Reverse((at, _, event)) = simulation.heap.pop().expect("peeked");
                (at, event)
            }
            (None, None) => break,
        };
        now = at;
        simulation.events += 1;
        simulation.handle(at, event);
    }
    let waiting: Vec<u32> = simulation.queue.iter().map(|&(_, _, call)| call).collect();
    for call in waiting {
        simulation.finish_unserved(call, CallEnd::NoSuitableUnit, now);
    }
    let calls = simulation
        .calls
        .iter()
        .enumerate()
        .map(|(index, state)| {
            let record = &world.calls[index];
            let seconds = |millis: i64| Seconds(millis as f64 / 1000.0);
            CallOutcome {
                category: record.category,
                priority: record.priority,
                end: state.end.unwrap_or(CallEnd::NoSuitableUnit),
                queue_wait: state
                    .first_dispatch
                    .zip(state.decided_at)
                    .map(|(sent, decided)| seconds(sent - decided)),
                response: state
                    .first_arrival
                    .map(|(at, _, _)| seconds(at - record.at.0)),
                travel: state.first_arrival.map(|(_, _, travel)| seconds(travel)),
                workstation: state
                    .first_arrival
                    .map(|(_, unit, _)| world.home_index[unit as usize]),
                grid: world.call_grid[index],
                unfilled_slots: state.unfilled_slots,
                preempted: state.preempted,
            }
        })
        .collect();
    SimOutcome {
        calls,
        unit_busy: simulation
            .states
            .iter()
            .map(|s| Seconds(s.busy_millis as f64 / 1000.0))
            .collect(),
        horizon: Seconds((now - start) as f64 / 1000.0),
        events: simulation.events,
        dispatches: simulation.dispatches,
        decisions: simulation.decisions,
    }
}

impl World<'_> {
    pub fn calls(&self) -> &[CallRecord] {
        &self.calls
    }

    /// Where unit `unit` (index in [`World::units`]) rests between calls.
    pub fn rest_point(&self, unit: usize) -> LonLat {
        let (slot, origin, _) = self.rest[unit];
        self.travel.origin_point(slot, origin)
    }

    /// The incident a call becomes when it is received.
    pub fn incident(&self, call: usize) -> Incident {
        let record = &self.calls[call];
        Incident::new(
            IncidentId(call as u64 + 1),
            Call {
                category: record.category,
                priority: record.priority,
                location: record.location,
                address: String::new(),
                caller: Caller::default(),
                notes: String::new(),
            },
            Vec::new(),
            record.at,
        )
    }

    /// The units as they start, sorted by id.
    pub fn units(&self) -> &[Unit] {
        &self.units
    }
}
