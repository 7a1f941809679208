//! The log on real SQLite and PostgreSQL: appended events come back in order, and replaying them
//! restores exactly the state they built.

use dispatch::*;
use measure::{LonLat, Seconds, Timestamp};
use store::{Change, Event, EventLog, Projection, Role};

const T0: Timestamp = Timestamp(1_700_000_000_000);

use fixtures::services::postgres_url;

/// A prefix no other test run uses, so parallel runs share one database safely.
fn unique_prefix() -> String {
    use rand::Rng;
    format!(
        "t{}_{:08x}_",
        std::process::id(),
        rand::thread_rng().gen::<u32>()
    )
}

/// A small day: a workstation, two cars, a robbery dispatched, arrived and closed, a token.
fn day() -> Vec<Event> {
    let home = LonLat::new(8.69, 49.41).unwrap();
    let changes = vec![
        Change::WorkstationAdded {
            workstation: Workstation {
                id: "WS-1".into(),
                name: "Bismarckplatz".into(),
                category: WorkstationCategory::PublicSecurityPatrol,
                location: home,
                jurisdiction: None,
                staffing: 8,
            },
        },
        Change::UnitAdded {
            unit: Unit::new(
                "car-1".into(),
                "Car 1".into(),
                UnitKind::PatrolCar,
                "WS-1".into(),
                [],
            ),
        },
        Change::UnitAdded {
            unit: Unit::new(
                "car-2".into(),
                "Car 2".into(),
                UnitKind::ArmedPatrolCar,
                "WS-1".into(),
                [Capability::FirstAid],
            ),
        },
        Change::PositionReported {
            unit: "car-1".into(),
            fix: PositionFix {
                point: LonLat::new(8.70, 49.41).unwrap(),
                at: T0.plus(Seconds(5.0)),
            },
        },
        Change::CallReceived {
            incident: IncidentId(1),
            call: Call {
                category: IncidentCategory::Criminal,
                priority: Priority::P1,
                location: LonLat::new(8.695, 49.412).unwrap(),
                address: "Hauptstraße 100".into(),
                caller: Caller {
                    name: "Zhang".into(),
                    phone: "+49 6221 0".into(),
                },
                notes: "robbery in a shop — 抢劫".into(),
            },
        },
        Change::UnitsDispatched {
            incident: IncidentId(1),
            units: vec!["car-1".into(), "car-2".into()],
            ranking: serde_json::json!({"ranked": ["car-1", "car-2"]}),
        },
        Change::UnitStatusChanged {
            unit: "car-1".into(),
            to: UnitStatus::OnScene,
        },
        Change::IncidentStatusChanged {
            incident: IncidentId(1),
            to: IncidentStatus::Closed,
        },
        Change::TokenIssued {
            token_hash: "ab".repeat(32),
            role: Role::Analyst,
            jurisdiction: None,
            label: "analyst-1".into(),
        },
    ];
    changes
        .into_iter()
        .enumerate()
        .map(|(index, change)| Event {
            seq: index as i64 + 1,
            at: T0.plus(Seconds(10.0 * index as f64)),
            actor: "dispatcher-1".into(),
            change,
        })
        .collect()
}

async fn check_round_trip(url: &str, prefix: &str) {
    let events = day();
    let expected = Projection::replay(&events).expect("the day is a valid sequence");
    assert_eq!(
        expected.centre.unit(&"car-2".into()).unwrap().status,
        UnitStatus::Available
    );

    let log = EventLog::open(url, prefix).await.unwrap();
    log.append(&events[..4]).await.unwrap();
    log.append(&events[4..]).await.unwrap();
    log.close().await;

    let reopened = EventLog::open(url, prefix).await.unwrap();
    let loaded = reopened.load().await.unwrap();
    assert_eq!(loaded, events);
    assert_eq!(Projection::replay(&loaded).unwrap(), expected);
    assert_eq!(reopened.count().await.unwrap(), events.len() as i64);
    let audit = reopened
        .read(Some("units_dispatched"), 0, 100)
        .await
        .unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].actor, "dispatcher-1");

    let duplicate = reopened.append(&events[..1]).await;
    assert!(
        matches!(duplicate, Err(store::StoreError::Conflict { seq: 1 })),
        "a sequence number is written once: {duplicate:?}"
    );
    // A batch that runs into a taken number writes none of its events.
    let mut late = events[events.len() - 1].clone();
    late.seq = events.len() as i64 + 1;
    let batch = [late, events[2].clone()];
    assert!(matches!(
        reopened.append(&batch).await,
        Err(store::StoreError::Conflict { seq: 3 })
    ));
    assert_eq!(reopened.count().await.unwrap(), events.len() as i64);
    reopened.destroy().await.unwrap();
}

/// A restart from a snapshot and the events after it has exactly the state a full replay has.
async fn check_snapshot(url: &str, prefix: &str) {
    let events = day();
    let log = EventLog::open(url, prefix).await.unwrap();
    assert!(log.latest_snapshot().await.unwrap().is_none());
    log.append(&events).await.unwrap();
    for upto in [3, 5, 7] {
        let state = Projection::replay(&events[..upto]).unwrap();
        log.save_snapshot(&state).await.unwrap();
        log.save_snapshot(&state).await.unwrap();
    }
    let newest = log.latest_snapshot().await.unwrap().unwrap();
    assert_eq!(newest, Projection::replay(&events[..7]).unwrap());
    assert_eq!(
        log.restore().await.unwrap(),
        Projection::replay(&events).unwrap()
    );
    assert_eq!(
        log.last_event_at().await.unwrap(),
        Some(events.last().unwrap().at)
    );
    log.destroy().await.unwrap();
}

#[tokio::test]
async fn sqlite_restores_from_a_snapshot_exactly() {
    let directory = std::env::temp_dir().join(format!("pingan-store-{}", unique_prefix()));
    std::fs::create_dir_all(&directory).unwrap();
    let url = format!("sqlite://{}", directory.join("log.db").display());
    check_snapshot(&url, "").await;
    std::fs::remove_dir_all(&directory).unwrap();
}

#[tokio::test]
async fn postgres_restores_from_a_snapshot_exactly() {
    check_snapshot(&postgres_url(), &unique_prefix()).await;
}

#[tokio::test]
async fn sqlite_log_round_trips_and_replays_to_the_same_state() {
    let directory = std::env::temp_dir().join(format!("pingan-store-{}", unique_prefix()));
    std::fs::create_dir_all(&directory).unwrap();
    let url = format!("sqlite://{}", directory.join("log.db").display());
    check_round_trip(&url, "").await;
    std::fs::remove_dir_all(&directory).unwrap();
}

#[tokio::test]
async fn postgres_log_round_trips_and_replays_to_the_same_state() {
    check_round_trip(&postgres_url(), &unique_prefix()).await;
}

#[tokio::test]
async fn bad_addresses_are_explained() {
    let error = EventLog::open("mysql://root@localhost/test", "")
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "'mysql://root@localhost/test' is not a database address: use sqlite://FILE or postgres://USER@HOST:PORT/DB"
    );
    let error = EventLog::open("sqlite://x.db", "a;drop").await.unwrap_err();
    assert!(error.to_string().contains("may hold only ASCII letters"));
    assert_eq!(
        store::redact("postgres://me:secret@db:5432/test"),
        "postgres://me:***@db:5432/test"
    );
}

#[test]
fn a_log_that_does_not_apply_names_the_event() {
    let mut events = day();
    events.swap(4, 5);
    let error = Projection::replay(&events).unwrap_err();
    assert_eq!(error.seq, 6, "the dispatch, now before its call");
    assert!(
        error.to_string().contains("incident 1 does not exist"),
        "{error}"
    );
}
