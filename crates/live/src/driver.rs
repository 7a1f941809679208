//! The city's field side, once a second: units report where they are on the road, take up the
//! incidents they were sent to, work on scene, clear, drive home or back to patrol; citizens call
//! at the day's rhythm; and, if asked, an auto-dispatcher sends the server's proposal for a call
//! nobody has taken. Everything goes through the public API, as real terminals would.

use crate::client::Api;
use crate::trip::Trip;
use anyhow::{Context, Result};
use dispatch::{
    Incident, IncidentId, IncidentStatus, PlaceKind, Profile, Unit, UnitId, UnitStatus,
};
use measure::{LonLat, Meters, Seconds, Timestamp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use roadnet::RoadNetwork;
use scenario::{CallGenerator, CallMix, CallRecord, Deployment, SEATTLE_HOURLY_WEIGHTS};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub seed: u64,
    /// Calls per hour on average, following the day's rhythm; 0 for none.
    pub calls_per_hour: f64,
    /// A call still undispatched after this long gets the server's proposal; `None`: never.
    pub auto_dispatch_after: Option<Seconds>,
    /// Mean time a unit works on scene (exponential, kept between a fifth and three times it).
    pub mean_on_scene: Seconds,
    /// Between position reports.
    pub tick: Duration,
    /// How many times faster than real time the units drive and work (1 in the demo; tests and
    /// a fast-forward demo use more). Calls keep the wall clock.
    pub speed: f64,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            seed: 110,
            calls_per_hour: 90.0,
            auto_dispatch_after: Some(Seconds(45.0)),
            mean_on_scene: Seconds(240.0),
            tick: Duration::from_secs(1),
            speed: 1.0,
        }
    }
}

/// A unit this close to its home is at home.
const AT_HOME: Meters = Meters(60.0);
/// Unit positions and places snap to roads no farther than this.
const SNAP: Meters = Meters(500.0);
/// A failed auto-dispatch is tried again after this long.
const AUTO_DISPATCH_RETRY: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Purpose {
    ToScene(IncidentId),
    Home,
    Patrol,
}

#[derive(Debug, Clone)]
enum Activity {
    Resting,
    Driving {
        trip: Trip,
        since: Instant,
        purpose: Purpose,
    },
    Working {
        incident: IncidentId,
        until: Instant,
        at: LonLat,
    },
}

/// What the driver knows of the city: where units live, where patrols go.
pub struct City {
    network: Arc<RoadNetwork>,
    home: HashMap<UnitId, LonLat>,
    /// Road points a patrol unit drives between: the must-visit points of its grid and road
    /// nodes inside it.
    patrol_targets: HashMap<UnitId, Vec<LonLat>>,
    /// The patrol grids: the demo's calls come from inside them, where units patrol.
    grids: Vec<scenario::PatrolGrid>,
}

impl City {
    pub fn new(network: Arc<RoadNetwork>, deployment: &Deployment) -> City {
        let workstation_at: HashMap<_, _> = deployment
            .workstations
            .iter()
            .map(|workstation| (workstation.id.clone(), workstation.location))
            .collect();
        let mut home = HashMap::new();
        let mut patrol_targets = HashMap::new();
        for plan in &deployment.units {
            if let Some(&at) = workstation_at.get(&plan.home) {
                home.insert(plan.id.clone(), at);
            }
            let Some(grid) = plan
                .grid
                .as_ref()
                .and_then(|id| deployment.grid_index(id))
                .map(|index| &deployment.grids[index])
            else {
                continue;
            };
            let profile = plan.kind.default_profile();
            let Ok(graph) = network.graph(profile) else {
                continue;
            };
            // Must-visit points and must-patrol lines in the grid come up often; road nodes
            // add variety.
            let mut targets: Vec<LonLat> = Vec::new();
            for place in &deployment.places {
                if matches!(place.kind, PlaceKind::MustVisit | PlaceKind::MustPatrol) {
                    for &point in place.shape.points().iter().filter(|&&p| grid.contains(p)) {
                        targets.extend([point; 5]);
                    }
                }
            }
            // Every 7th node is plenty of variety and keeps the list short.
            targets.extend(
                (0..graph.node_count() as u32)
                    .step_by(7)
                    .map(|node| graph.position(node))
                    .filter(|&point| grid.contains(point)),
            );
            if !targets.is_empty() {
                patrol_targets.insert(plan.id.clone(), targets);
            }
        }
        City {
            network,
            home,
            patrol_targets,
            grids: deployment.grids.clone(),
        }
    }

    fn trip(&self, profile: Profile, from: LonLat, to: LonLat) -> Option<Trip> {
        let graph = self.network.graph(profile).ok()?;
        let from = roadnet::snap(graph, from, SNAP).ok()?;
        let to = roadnet::snap(graph, to, SNAP).ok()?;
        roadnet::route(graph, &from, &to).map(|route| Trip::along(graph, &route))
    }
}

/// The demo's running counts, for its log line.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub calls: u64,
    pub auto_dispatched: u64,
    pub arrivals: u64,
    pub closed: u64,
    pub positions: u64,
}

/// Runs the city against the server behind `units` (the field terminals' token) and `dispatcher`
/// (the auto-dispatcher's token) until the server stops answering.
pub async fn run(city: City, units: Api, dispatcher: Api, options: LiveOptions) -> Result<()> {
    let mut driver = Driver {
        city,
        activity: HashMap::new(),
        rng: ChaCha8Rng::seed_from_u64(options.seed),
        calls: Vec::new(),
        next_call: 0,
        auto_tried: HashMap::new(),
        tally: Tally::default(),
        options,
    };
    let generator = CallGenerator::new(&driver.city.network).context("placing the calls")?;
    let mut ticker = tokio::time::interval(driver.options.tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_log = Instant::now();
    let mut failures = 0;
    loop {
        ticker.tick().await;
        if driver.next_call >= driver.calls.len() && driver.options.calls_per_hour > 0.0 {
            driver.plan_calls(&generator);
        }
        match driver.step(&units, &dispatcher).await {
            Ok(()) => failures = 0,
            Err(error) => {
                failures += 1;
                eprintln!("demo: {error:#}");
                if failures >= 30 {
                    return Err(error.context("the server stopped answering for 30 s"));
                }
            }
        }
        if last_log.elapsed() >= Duration::from_secs(60) {
            last_log = Instant::now();
            let t = driver.tally;
            eprintln!(
                "demo: {} calls, {} auto-dispatched, {} arrivals, {} closed, {} positions",
                t.calls, t.auto_dispatched, t.arrivals, t.closed, t.positions
            );
        }
    }
}

struct Driver {
    city: City,
    activity: HashMap<UnitId, Activity>,
    rng: ChaCha8Rng,
    calls: Vec<CallRecord>,
    next_call: usize,
    auto_tried: HashMap<IncidentId, Instant>,
    tally: Tally,
    options: LiveOptions,
}

/// A day of calls from `start` at `calls_per_day` and the day's rhythm, all inside the patrol
/// grids (where the demo's units patrol; a call in open country far from every unit makes a poor
/// first impression). Calls are drawn at a rate raised by the share that falls outside, then those
/// outside are dropped, so the rate inside stays as asked. Without grids every call is kept.
pub fn calls_inside_grids(
    generator: &CallGenerator,
    grids: &[scenario::PatrolGrid],
    start: Timestamp,
    calls_per_day: f64,
    seed: u64,
) -> Vec<CallRecord> {
    let draw = |rate: f64| {
        generator.generate(
            start,
            1.0,
            rate,
            &SEATTLE_HOURLY_WEIGHTS,
            &CallMix::default(),
            seed,
        )
    };
    if grids.is_empty() || calls_per_day <= 0.0 {
        return draw(calls_per_day);
    }
    let inside = |call: &CallRecord| grids.iter().any(|grid| grid.contains(call.location));
    // The share inside, measured on a day at a rate high enough to estimate it well.
    let sample = draw(calls_per_day.max(2_000.0));
    let share =
        sample.iter().filter(|call| inside(call)).count() as f64 / sample.len().max(1) as f64;
    if share <= 0.0 {
        return draw(calls_per_day);
    }
    draw(calls_per_day / share)
        .into_iter()
        .filter(|call| inside(call))
        .collect()
}

fn wall_clock() -> Timestamp {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64);
    Timestamp(millis)
}

impl Driver {
    /// The next day of calls from now, at the configured rate and the day's rhythm.
    fn plan_calls(&mut self, generator: &CallGenerator) {
        let day_seed = self.rng.gen();
        self.calls = calls_inside_grids(
            generator,
            &self.city.grids,
            wall_clock(),
            self.options.calls_per_hour * 24.0,
            day_seed,
        );
        self.next_call = 0;
    }

    async fn step(&mut self, units_api: &Api, dispatcher: &Api) -> Result<()> {
        let units: Vec<Unit> = units_api.get("/api/units").await?;
        let incidents: Vec<Incident> = units_api.get("/api/incidents?open=true").await?;
        let incidents: BTreeMap<IncidentId, Incident> = incidents
            .into_iter()
            .map(|incident| (incident.id, incident))
            .collect();
        let now = Instant::now();
        let mut positions = Vec::new();
        let mut unit_changes: Vec<(UnitId, UnitStatus)> = Vec::new();
        let mut closing: Vec<IncidentId> = Vec::new();
        for unit in &units {
            let Some(position) = unit.position.map(|fix| fix.point) else {
                continue;
            };
            let activity = self.activity.remove(&unit.id).unwrap_or(Activity::Resting);
            let speed = self.options.speed;
            let trip_over_at = match &activity {
                Activity::Driving { trip, since, .. }
                    if since.elapsed().as_secs_f64() * speed >= trip.duration().0 =>
                {
                    trip.destination()
                }
                _ => None,
            };
            let (activity, change) = self.next_activity(unit, position, activity, &incidents, now);
            if let Some(to) = change {
                unit_changes.push((unit.id.clone(), to));
            }
            if let Activity::Working {
                incident, until, ..
            } = &activity
            {
                if *until <= now && !closing.contains(incident) {
                    let others_working = units.iter().any(|other| {
                        other.id != unit.id
                            && other.incident == Some(*incident)
                            && other.status != UnitStatus::OnScene
                    });
                    if others_working {
                        unit_changes.push((unit.id.clone(), UnitStatus::Returning));
                    } else {
                        closing.push(*incident);
                    }
                }
            }
            let report = match &activity {
                Activity::Driving { trip, since, .. } => {
                    trip.position_at(Seconds(since.elapsed().as_secs_f64() * speed))
                }
                // The last stretch of a trip that just ended.
                _ => trip_over_at,
            };
            if let Some(point) = report.filter(|point| point.distance_to(position).0 > 0.5) {
                positions.push(json!({"unit": unit.id, "lon": point.lon, "lat": point.lat}));
            }
            self.activity.insert(unit.id.clone(), activity);
        }
        if !positions.is_empty() {
            self.tally.positions += positions.len() as u64;
            let _: Value = units_api
                .post("/api/positions", &json!({ "positions": positions }))
                .await?;
        }
        for (unit, to) in unit_changes {
            if to == UnitStatus::OnScene {
                self.tally.arrivals += 1;
            }
            let answer: Result<Value> = units_api
                .post(
                    &format!("/api/units/{unit}/status"),
                    &json!({ "status": to }),
                )
                .await;
            // A dispatcher may have changed the unit meanwhile: the next step sees the new state.
            if let Err(error) = answer {
                eprintln!("demo: unit {unit} to {}: {error:#}", to.name());
            }
        }
        for incident in closing {
            let answer: Result<Value> = units_api
                .post(
                    &format!("/api/incidents/{incident}/status"),
                    &json!({"status": IncidentStatus::Closed}),
                )
                .await;
            match answer {
                Ok(_) => self.tally.closed += 1,
                Err(error) => eprintln!("demo: closing incident {incident}: {error:#}"),
            }
        }
        self.place_calls(units_api).await?;
        self.auto_dispatch(dispatcher, &incidents).await;
        Ok(())
    }

    /// What a unit does next, seen its status on the server and what it was doing, and the
    /// status it reports for that.
    fn next_activity(
        &mut self,
        unit: &Unit,
        position: LonLat,
        activity: Activity,
        incidents: &BTreeMap<IncidentId, Incident>,
        now: Instant,
    ) -> (Activity, Option<UnitStatus>) {
        let speed = self.options.speed;
        let arrived = |activity: &Activity| match activity {
            Activity::Driving { trip, since, .. } => {
                since.elapsed().as_secs_f64() * speed >= trip.duration().0
            }
            _ => true,
        };
        let home = self.city.home.get(&unit.id).copied().unwrap_or(position);
        match unit.status {
            UnitStatus::Dispatched | UnitStatus::EnRoute => {
                let Some(incident_id) = unit.incident else {
                    return (activity, None);
                };
                let heading_there = matches!(&activity, Activity::Driving { purpose: Purpose::ToScene(id), .. } if *id == incident_id);
                if heading_there {
                    if arrived(&activity) {
                        let at = was_at_end(&activity).unwrap_or(position);
                        let until = now + self.on_scene_time();
                        return (
                            Activity::Working {
                                incident: incident_id,
                                until,
                                at,
                            },
                            Some(UnitStatus::OnScene),
                        );
                    }
                    return (activity, None);
                }
                let Some(incident) = incidents.get(&incident_id) else {
                    return (activity, None);
                };
                match self.city.trip(unit.profile, position, incident.location) {
                    Some(trip) => (
                        Activity::Driving {
                            trip,
                            since: now,
                            purpose: Purpose::ToScene(incident_id),
                        },
                        (unit.status == UnitStatus::Dispatched).then_some(UnitStatus::EnRoute),
                    ),
                    None => (activity, None),
                }
            }
            UnitStatus::OnScene => match activity {
                Activity::Working { .. } => (activity, None),
                _ => (
                    Activity::Working {
                        incident: unit.incident.unwrap_or(IncidentId(0)),
                        until: now + self.on_scene_time(),
                        at: position,
                    },
                    None,
                ),
            },
            UnitStatus::Available => {
                if self.city.patrol_targets.contains_key(&unit.id) {
                    return self.patrol(unit, position, now, Some(UnitStatus::Patrolling));
                }
                if position.distance_to(home).0 > AT_HOME.0 {
                    if let Some(trip) = self.city.trip(unit.profile, position, home) {
                        return (
                            Activity::Driving {
                                trip,
                                since: now,
                                purpose: Purpose::Home,
                            },
                            Some(UnitStatus::Returning),
                        );
                    }
                }
                (Activity::Resting, None)
            }
            UnitStatus::Returning => match &activity {
                Activity::Driving {
                    purpose: Purpose::Home,
                    ..
                } => {
                    if arrived(&activity) {
                        (Activity::Resting, Some(UnitStatus::Available))
                    } else {
                        (activity, None)
                    }
                }
                _ => match self.city.trip(unit.profile, position, home) {
                    Some(trip) => (
                        Activity::Driving {
                            trip,
                            since: now,
                            purpose: Purpose::Home,
                        },
                        None,
                    ),
                    None => (Activity::Resting, Some(UnitStatus::Available)),
                },
            },
            UnitStatus::Patrolling => match &activity {
                Activity::Driving {
                    purpose: Purpose::Patrol,
                    ..
                } if !arrived(&activity) => (activity, None),
                _ => self.patrol(unit, position, now, None),
            },
            UnitStatus::OutOfService => (Activity::Resting, None),
        }
    }

    fn patrol(
        &mut self,
        unit: &Unit,
        position: LonLat,
        now: Instant,
        report: Option<UnitStatus>,
    ) -> (Activity, Option<UnitStatus>) {
        let Some(targets) = self.city.patrol_targets.get(&unit.id) else {
            return (Activity::Resting, None);
        };
        let target = targets[self.rng.gen_range(0..targets.len())];
        match self.city.trip(unit.profile, position, target) {
            Some(trip) => (
                Activity::Driving {
                    trip,
                    since: now,
                    purpose: Purpose::Patrol,
                },
                report,
            ),
            None => (Activity::Resting, None),
        }
    }

    fn on_scene_time(&mut self) -> Duration {
        let mean = self.options.mean_on_scene.0.max(1.0);
        let draw = -(1.0 - self.rng.gen::<f64>()).ln() * mean;
        Duration::from_secs_f64(draw.clamp(mean / 5.0, mean * 3.0) / self.options.speed.max(1e-3))
    }

    async fn place_calls(&mut self, api: &Api) -> Result<()> {
        let now = wall_clock();
        while let Some(call) = self.calls.get(self.next_call).filter(|call| call.at <= now) {
            let body = json!({
                "category": call.category,
                "priority": call.priority,
                "location": {"lon": call.location.lon, "lat": call.location.lat},
                "notes": call_note(call),
                "caller": {"phone": format!("1{:010}", self.rng.gen_range(3_000_000_000u64..9_999_999_999))},
            });
            self.next_call += 1;
            let answer: Result<Value> = api.post("/api/incidents", &body).await;
            match answer {
                Ok(_) => self.tally.calls += 1,
                Err(error) => eprintln!("demo: placing a call: {error:#}"),
            }
        }
        Ok(())
    }

    async fn auto_dispatch(
        &mut self,
        dispatcher: &Api,
        incidents: &BTreeMap<IncidentId, Incident>,
    ) {
        let Some(after) = self.options.auto_dispatch_after else {
            return;
        };
        let now = wall_clock();
        for incident in incidents.values() {
            if incident.status != IncidentStatus::Received
                || now.seconds_since(incident.received_at).0 < after.0
                || self
                    .auto_tried
                    .get(&incident.id)
                    .is_some_and(|at| at.elapsed() < AUTO_DISPATCH_RETRY)
            {
                continue;
            }
            self.auto_tried.insert(incident.id, Instant::now());
            let answer: Result<Value> = dispatcher
                .post(
                    &format!("/api/incidents/{}/dispatch", incident.id),
                    &json!({}),
                )
                .await;
            match answer {
                Ok(_) => self.tally.auto_dispatched += 1,
                Err(error) => {
                    eprintln!("demo: auto-dispatch of incident {}: {error:#}", incident.id)
                }
            }
        }
        self.auto_tried.retain(|id, _| {
            incidents
                .get(id)
                .is_some_and(|incident| incident.status == IncidentStatus::Received)
        });
    }
}

fn was_at_end(activity: &Activity) -> Option<LonLat> {
    match activity {
        Activity::Driving { trip, .. } => trip.destination(),
        Activity::Working { at, .. } => Some(*at),
        Activity::Resting => None,
    }
}

/// What the caller said, in the call taker's words.
fn call_note(call: &CallRecord) -> &'static str {
    use dispatch::IncidentCategory::*;
    match call.category {
        Criminal => "报警人称有人被抢，嫌疑人向路口方向逃离",
        PublicOrder => "报警人称有人在街边聚众争吵",
        Traffic => "两车相撞，道路部分堵塞",
        Dispute => "邻里纠纷，双方情绪激动",
        Assistance => "老人走失，家属求助",
        Referral => "疑似有人受伤，需联动急救",
    }
}
