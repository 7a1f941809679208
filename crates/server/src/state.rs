//! The server's shared state: the projection behind one lock, and the writer that makes every
//! accepted change durable (group commit) before it is acknowledged or shown on the feed.

use crate::clock;
use crate::error::ApiError;
use dispatch::{IncidentId, Recommendation, TravelTimes};
use measure::{Seconds, Timestamp};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use store::{Change, Event, EventLog, Projection};
use tokio::sync::{broadcast, mpsc, oneshot};

/// Road travel times shared by every request.
pub type SharedTravel = Arc<dyn TravelTimes + Send + Sync>;

pub struct Core {
    pub projection: Projection,
    /// Event times never go backwards, so status changes stay in order even if the clock does.
    last_at: Timestamp,
}

struct WriteRequest {
    events: Vec<Event>,
    done: oneshot::Sender<bool>,
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
    pub n_committed: AtomicU64,
    /// Bounds the rankings computed at once.
    pub rankings: tokio::sync::Semaphore,
    /// The last ranking each token was shown per incident, so that the audit log records what the
    /// dispatcher saw and the dispatch does not rank again.
    shown: Mutex<HashMap<(String, IncidentId), (Timestamp, Recommendation)>>,
}

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
        let events = log.load().await?;
        let projection = Projection::replay(&events)?;
        let last_at = events.last().map_or(Timestamp(0), |event| event.at);
        let (writer, requests) = mpsc::unbounded_channel();
        let (feed, _) = broadcast::channel(4096);
        let shared = Arc::new(Shared {
            core: Mutex::new(Core {
                projection,
                last_at,
            }),
            writer,
            feed,
            travel,
            log: log.clone(),
            admin_token_hash,
            poisoned: AtomicBool::new(false),
            n_committed: AtomicU64::new(events.len() as u64),
            shown: Mutex::new(HashMap::new()),
            rankings: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
        });
        tokio::spawn(write_loop(log, requests, Arc::downgrade(&shared)));
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
    /// `decide` runs under the lock, so what it checked still holds when the change applies.
    pub async fn commit<R>(
        &self,
        actor: &str,
        decide: impl FnOnce(&Projection) -> Result<(Change, R), ApiError>,
    ) -> Result<(Event, R), ApiError> {
        let (event, result, done) = {
            let mut core = self.read();
            let (change, result) = decide(&core.projection)?;
            let (event, done) = self.apply_and_queue(&mut core, actor, vec![change]);
            let event = event.into_iter().next().expect("one change in")?;
            (event, result, done)
        };
        self.wait(done).await?;
        Ok((event, result))
    }

    /// Applies each change that is valid, makes them durable together, and reports per change.
    pub async fn commit_batch(
        &self,
        actor: &str,
        changes: Vec<Change>,
    ) -> Result<Vec<Result<Event, ApiError>>, ApiError> {
        let (results, done) = {
            let mut core = self.read();
            self.apply_and_queue(&mut core, actor, changes)
        };
        self.wait(done).await?;
        Ok(results)
    }

    fn apply_and_queue(
        &self,
        core: &mut Core,
        actor: &str,
        changes: Vec<Change>,
    ) -> (
        Vec<Result<Event, ApiError>>,
        Option<oneshot::Receiver<bool>>,
    ) {
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
            let event = Event {
                seq: core.projection.last_seq + 1,
                at,
                actor: actor.to_string(),
                change,
            };
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
        if self
            .shared
            .writer
            .send(WriteRequest {
                events: accepted,
                done,
            })
            .is_err()
        {
            self.shared.poisoned.store(true, Ordering::SeqCst);
        }
        (results, Some(receiver))
    }

    async fn wait(&self, done: Option<oneshot::Receiver<bool>>) -> Result<(), ApiError> {
        match done {
            None => Ok(()),
            Some(receiver) => match receiver.await {
                Ok(true) => Ok(()),
                _ => Err(ApiError::storage_failed()),
            },
        }
    }

    pub fn remember_shown(&self, actor: &str, ranking: Recommendation, now: Timestamp) {
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
    ) -> Option<Recommendation> {
        let mut shown = self.shared.shown.lock().expect("no panics under this lock");
        let (at, ranking) = shown.remove(&(actor.to_string(), incident))?;
        (now.seconds_since(at).0 <= SHOWN_RANKING_FRESH.0).then_some(ranking)
    }

    pub fn is_poisoned(&self) -> bool {
        self.shared.poisoned.load(Ordering::SeqCst)
    }
}

/// Writes queued events in batches, one transaction each: under load many requests share one
/// fsync. After a failed write the in-memory state is ahead of the log, so every later change is
/// refused until a restart restores the state from the log.
async fn write_loop(
    log: EventLog,
    mut requests: mpsc::UnboundedReceiver<WriteRequest>,
    shared: std::sync::Weak<Shared>,
) {
    while let Some(first) = requests.recv().await {
        let mut batch = vec![first];
        while batch.len() < 512 {
            match requests.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        let events: Vec<Event> = batch
            .iter()
            .flat_map(|request| request.events.iter().cloned())
            .collect();
        let written = log.append(&events).await;
        let Some(shared) = shared.upgrade() else {
            return;
        };
        match written {
            Ok(()) => {
                shared
                    .n_committed
                    .fetch_add(events.len() as u64, Ordering::Relaxed);
                for event in events {
                    let _ = shared.feed.send(Arc::new(event));
                }
                for request in batch {
                    let _ = request.done.send(true);
                }
            }
            Err(error) => {
                eprintln!(
                    "pingan: writing the event log failed, refusing changes until restart: {error}"
                );
                shared.poisoned.store(true, Ordering::SeqCst);
                for request in batch {
                    let _ = request.done.send(false);
                }
            }
        }
    }
}
