//! The server's shared state: the projection behind one lock, and the writer that makes every
//! accepted change durable (group commit) before it is acknowledged or shown on the feed.
//!
//! Several servers may share one PostgreSQL log. Each decides changes on its own state and
//! appends them right after the last event it has read; the writer also follows the log, so each
//! server's state takes in the others' changes. When another server got a sequence number in
//! first, the append fails as a whole, the writer catches up on the log, and the requests decide
//! again on the new state: a unit dispatched on one server meanwhile is then refused on the other.

use crate::clock;
use crate::error::ApiError;
use dispatch::{IncidentId, Recommendation, TravelTimes};
use measure::{Seconds, Timestamp};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;
use store::{Change, Event, EventLog, Projection, StoreError};
use tokio::sync::{broadcast, mpsc, oneshot};

/// Road travel times shared by every request.
pub type SharedTravel = Arc<dyn TravelTimes + Send + Sync>;

/// The writer keeps a snapshot of the state every this many events, so that a restart reads only
/// the events after the newest one.
pub const SNAPSHOT_EVERY: i64 = 10_000;

/// How often the writer reads the log for other servers' events.
pub const FOLLOW_INTERVAL: Duration = Duration::from_millis(200);

/// A request decided again this many times, each time overtaken by another server, gives up.
const MAX_ATTEMPTS: usize = 16;

pub struct Core {
    /// The durable log's state plus this server's changes on their way to the log.
    pub projection: Projection,
    /// Event times never go backwards, so status changes stay in order even if the clock does.
    last_at: Timestamp,
    /// Counts the times the projection was rebuilt because another server's events came first;
    /// a change decided on an older generation is decided again.
    generation: u64,
}

/// What became of queued events.
enum Outcome {
    Durable,
    /// Another server's events came first; decide again on the caught-up state.
    Superseded,
    Failed,
}

struct WriteRequest {
    generation: u64,
    events: Vec<Arc<Event>>,
    done: oneshot::Sender<Outcome>,
}

pub struct Shared {
    core: Mutex<Core>,
    writer: mpsc::UnboundedSender<WriteRequest>,
    pub feed: broadcast::Sender<Arc<Event>>,
    pub travel: SharedTravel,
    pub log: EventLog,
    /// SHA-256 of the startup admin token, if one was given.
    pub admin_token_hash: Option<String>,
    poisoned: AtomicBool,
    /// Events this server appended since it started, plus those it restored.
    pub n_committed: AtomicU64,
    /// Events other servers appended, taken in from the log.
    pub n_followed: AtomicU64,
    /// What became of position reports over MQTT.
    pub mqtt: crate::mqtt::IngestCounters,
    /// Bounds the rankings computed at once.
    pub rankings: tokio::sync::Semaphore,
    /// The last ranking each token was shown per incident, so that the audit log records what the
    /// dispatcher saw and the dispatch does not rank again.
    shown: Mutex<HashMap<(String, IncidentId), ShownRanking>>,
}

/// A ranking and when it was shown.
type ShownRanking = (Timestamp, Arc<Recommendation>);

/// Per change, its event or why it was refused; and, when any was accepted, word of its fate.
type Queued = (
    Vec<Result<Arc<Event>, ApiError>>,
    Option<oneshot::Receiver<Outcome>>,
);

/// A ranking shown longer ago than this is computed afresh for the dispatch.
pub const SHOWN_RANKING_FRESH: Seconds = Seconds(30.0);

#[derive(Clone)]
pub struct AppState {
    pub shared: Arc<Shared>,
}

impl AppState {
    /// Restores the projection from `log` and starts the writer task.
    pub async fn restore(
        log: EventLog,
        travel: SharedTravel,
        admin_token_hash: Option<String>,
    ) -> anyhow::Result<AppState> {
        let durable = log.restore().await?;
        let last_at = log.last_event_at().await?.unwrap_or(Timestamp(0));
        let (writer, requests) = mpsc::unbounded_channel();
        let (feed, _) = broadcast::channel(4096);
        let shared = Arc::new(Shared {
            core: Mutex::new(Core {
                projection: durable.clone(),
                last_at,
                generation: 0,
            }),
            writer,
            feed,
            travel,
            log: log.clone(),
            admin_token_hash,
            poisoned: AtomicBool::new(false),
            n_committed: AtomicU64::new(durable.last_seq.max(0) as u64),
            n_followed: AtomicU64::new(0),
            shown: Mutex::new(HashMap::new()),
            mqtt: Default::default(),
            rankings: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
        });
        let writer = Writer {
            log,
            durable,
            generation: 0,
            shared: Arc::downgrade(&shared),
        };
        tokio::spawn(writer.run(requests));
        Ok(AppState { shared })
    }

    /// Reads the current state.
    pub fn read(&self) -> MutexGuard<'_, Core> {
        self.shared
            .core
            .lock()
            .expect("no request panics while holding the state")
    }

    /// Decides a change on the current state, applies it, and returns once it is durable.
    /// `decide` runs under the lock, so what it checked still holds when the change applies; it
    /// runs again if another server's changes got into the log first.
    pub async fn commit<R>(
        &self,
        actor: &str,
        decide: impl Fn(&Projection) -> Result<(Change, R), ApiError>,
    ) -> Result<(Arc<Event>, R), ApiError> {
        for _ in 0..MAX_ATTEMPTS {
            let (event, result, done) = {
                let mut core = self.read();
                let (change, result) = decide(&core.projection)?;
                let (event, done) = self.apply_and_queue(&mut core, actor, vec![change]);
                let event = event.into_iter().next().expect("one change in")?;
                (event, result, done)
            };
            match self.wait(done).await? {
                Outcome::Durable => return Ok((event, result)),
                Outcome::Superseded => continue,
                Outcome::Failed => return Err(ApiError::storage_failed()),
            }
        }
        Err(ApiError::overtaken())
    }

    /// Applies each change that is valid, makes them durable together, and reports per change.
    pub async fn commit_batch(
        &self,
        actor: &str,
        changes: Vec<Change>,
    ) -> Result<Vec<Result<Arc<Event>, ApiError>>, ApiError> {
        for _ in 0..MAX_ATTEMPTS {
            let (results, done) = {
                let mut core = self.read();
                self.apply_and_queue(&mut core, actor, changes.clone())
            };
            match self.wait(done).await? {
                Outcome::Durable => return Ok(results),
                Outcome::Superseded => continue,
                Outcome::Failed => return Err(ApiError::storage_failed()),
            }
        }
        Err(ApiError::overtaken())
    }

    fn apply_and_queue(&self, core: &mut Core, actor: &str, changes: Vec<Change>) -> Queued {
        if self.shared.poisoned.load(Ordering::SeqCst) {
            return (
                changes
                    .iter()
                    .map(|_| Err(ApiError::storage_failed()))
                    .collect(),
                None,
            );
        }
        let at = Timestamp(clock::now().0.max(core.last_at.0));
        let mut results = Vec::with_capacity(changes.len());
        let mut accepted = Vec::new();
        for change in changes {
            let event = Arc::new(Event {
                seq: core.projection.last_seq + 1,
                at,
                actor: actor.to_string(),
                change,
            });
            match core.projection.apply(&event) {
                Ok(()) => {
                    accepted.push(event.clone());
                    results.push(Ok(event));
                }
                Err(error) => results.push(Err(ApiError::from(error))),
            }
        }
        core.last_at = at;
        if accepted.is_empty() {
            return (results, None);
        }
        let (done, receiver) = oneshot::channel();
        // Queued under the lock, so the log's order is the order the changes applied in.
        let request = WriteRequest {
            generation: core.generation,
            events: accepted,
            done,
        };
        if self.shared.writer.send(request).is_err() {
            self.shared.poisoned.store(true, Ordering::SeqCst);
        }
        (results, Some(receiver))
    }

    async fn wait(&self, done: Option<oneshot::Receiver<Outcome>>) -> Result<Outcome, ApiError> {
        match done {
            None => Ok(Outcome::Durable),
            Some(receiver) => receiver.await.map_err(|_| ApiError::storage_failed()),
        }
    }

    pub fn remember_shown(&self, actor: &str, ranking: Arc<Recommendation>, now: Timestamp) {
        let mut shown = self.shared.shown.lock().expect("no panics under this lock");
        shown.retain(|_, (at, _)| now.seconds_since(*at).0 <= SHOWN_RANKING_FRESH.0);
        shown.insert((actor.to_string(), ranking.incident), (now, ranking));
    }

    /// The ranking `actor` was shown for `incident`, if it is fresh.
    pub fn take_shown(
        &self,
        actor: &str,
        incident: IncidentId,
        now: Timestamp,
    ) -> Option<Arc<Recommendation>> {
        let mut shown = self.shared.shown.lock().expect("no panics under this lock");
        let (at, ranking) = shown.remove(&(actor.to_string(), incident))?;
        (now.seconds_since(at).0 <= SHOWN_RANKING_FRESH.0).then_some(ranking)
    }

    pub fn is_poisoned(&self) -> bool {
        self.shared.poisoned.load(Ordering::SeqCst)
    }
}

/// Owns the state of the durable log (`durable`: what is committed, in log order) and appends
/// queued events in batches, one transaction each: under load many requests share one fsync.
/// After a failed write the server's state is ahead of the log: it becomes the log's state again
/// (as after another server's append) and the changes queued meanwhile are decided again.
struct Writer {
    log: EventLog,
    durable: Projection,
    /// The generation the queued events must have been decided on.
    generation: u64,
    shared: Weak<Shared>,
}

impl Writer {
    async fn run(mut self, mut requests: mpsc::UnboundedReceiver<WriteRequest>) {
        let mut follow = tokio::time::interval(FOLLOW_INTERVAL);
        follow.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                request = requests.recv() => {
                    let Some(first) = request else { return };
                    let mut batch = vec![first];
                    while batch.len() < 512 {
                        match requests.try_recv() {
                            Ok(request) => batch.push(request),
                            Err(_) => break,
                        }
                    }
                    if !self.write(batch).await {
                        return;
                    }
                }
                _ = follow.tick() => {
                    if !self.follow(false).await {
                        return;
                    }
                }
            }
        }
    }

    /// Appends the batch's events; returns false once the server is gone.
    async fn write(&mut self, batch: Vec<WriteRequest>) -> bool {
        let (current, stale): (Vec<WriteRequest>, Vec<WriteRequest>) = batch
            .into_iter()
            .partition(|request| request.generation == self.generation);
        for request in stale {
            let _ = request.done.send(Outcome::Superseded);
        }
        if current.is_empty() {
            return true;
        }
        let events: Vec<Arc<Event>> = current
            .iter()
            .flat_map(|request| request.events.iter().cloned())
            .collect();
        let written = self.log.append(&events).await;
        let Some(shared) = self.shared.upgrade() else {
            return false;
        };
        match written {
            Ok(()) => {
                for event in &events {
                    self.durable.apply(event).unwrap_or_else(|error| {
                        panic!(
                            "event {} applied to the server's state but not to the log's: {error}",
                            event.seq
                        )
                    });
                }
                shared
                    .n_committed
                    .fetch_add(events.len() as u64, Ordering::Relaxed);
                let before = events[0].seq - 1;
                if before / SNAPSHOT_EVERY != self.durable.last_seq / SNAPSHOT_EVERY {
                    self.snapshot().await;
                }
                for event in events {
                    let _ = shared.feed.send(event);
                }
                for request in current {
                    let _ = request.done.send(Outcome::Durable);
                }
                true
            }
            Err(StoreError::Conflict { .. }) => {
                drop(shared);
                let alive = self.follow(true).await;
                for request in current {
                    let _ = request.done.send(Outcome::Superseded);
                }
                alive
            }
            Err(error) => {
                // The transaction wrote nothing: the server's state, which holds these events,
                // goes back to the log's, so that one bad write does not stop every later one.
                eprintln!(
                    "pingan: writing {} events to the event log failed ({error}); they are refused and the state goes back to the log's",
                    events.len()
                );
                drop(shared);
                let alive = self.follow(true).await;
                for request in current {
                    let _ = request.done.send(Outcome::Failed);
                }
                alive
            }
        }
    }

    /// Keeps a snapshot of the durable state; a failure only means a longer restart.
    async fn snapshot(&self) {
        if let Err(error) = self.log.save_snapshot(&self.durable).await {
            eprintln!(
                "pingan: keeping a snapshot at event {} failed ({error}); a restart will read more of the log",
                self.durable.last_seq
            );
        }
    }

    /// Takes in the events other servers appended. The server's state takes them directly when it
    /// holds nothing of its own on the way to the log; otherwise (or when `rebuild`) it becomes
    /// the log's state and the changes on the way are decided again. Returns false once the
    /// server is gone.
    async fn follow(&mut self, rebuild: bool) -> bool {
        let mut missed = Vec::new();
        loop {
            let after = self
                .durable
                .last_seq
                .max(missed.last().map_or(0, |event: &Event| event.seq));
            match self.log.read(None, after, 10_000).await {
                Ok(events) if events.is_empty() => break,
                Ok(events) => missed.extend(events),
                Err(error) => {
                    eprintln!("pingan: reading other servers' events failed, will retry: {error}");
                    if !rebuild {
                        return self.shared.strong_count() > 0;
                    }
                    break;
                }
            }
        }
        let Some(shared) = self.shared.upgrade() else {
            return false;
        };
        if missed.is_empty() && !rebuild {
            return true;
        }
        let base = self.durable.last_seq;
        for event in &missed {
            let applied = if event.seq == self.durable.last_seq + 1 {
                self.durable.apply(event).map_err(|error| error.to_string())
            } else {
                Err(format!("it follows event {}", self.durable.last_seq))
            };
            if let Err(error) = applied {
                eprintln!(
                    "pingan: another server's event {} does not apply here ({error}); refusing changes until restart",
                    event.seq
                );
                shared.poisoned.store(true, Ordering::SeqCst);
                return true;
            }
        }
        {
            let mut core = shared
                .core
                .lock()
                .expect("no request panics while holding the state");
            let nothing_pending =
                core.projection.last_seq == base && core.generation == self.generation;
            if nothing_pending && !rebuild {
                for event in &missed {
                    core.projection
                        .apply(event)
                        .expect("the server's state equals the log's when nothing is pending");
                }
            } else {
                core.projection = self.durable.clone();
                core.generation += 1;
                self.generation = core.generation;
            }
            if let Some(last) = missed.last() {
                core.last_at = Timestamp(core.last_at.0.max(last.at.0));
            }
        }
        shared
            .n_followed
            .fetch_add(missed.len() as u64, Ordering::Relaxed);
        for event in missed {
            let _ = shared.feed.send(Arc::new(event));
        }
        true
    }
}
