//! Repeat-call places: hand-made clusters at the edges of the rule (k − 1 calls, k calls, a day
//! too many), addresses spelled differently, and the real Seattle file against a direct count.

mod seattle_calls;

use formats::calls::CallRecord;
use hotspot::repeat::{normalise_address, repeat_places, RepeatError, RepeatQuery};
use hotspot::stats::{CallSet, LocalDate, StatsError};
use hotspot::taxonomy::{Classification, Classifier, Taxonomy};
use measure::{LocalProjection, LonLat, Meters, Timestamp};
use std::collections::HashMap;

const ORIGIN: LonLat = LonLat {
    lon: 114.05,
    lat: 22.54,
};

/// A call at noon local time (UTC+8), `east` and `north` metres from the origin.
fn call(day: i64, east: f64, north: f64, address: Option<&str>, case_type: &str) -> CallRecord {
    let local = Timestamp::from_civil(2021, 3, 1, 12, 0, 0).0 + day * 86_400_000;
    CallRecord {
        id: None,
        at: Timestamp(local - 8 * 3_600_000),
        utc_offset_minutes: 480,
        time_of_day_known: true,
        location: LocalProjection::around(ORIGIN).to_lonlat([east, north]),
        category: None,
        case_type: Some(case_type.to_string()),
        priority: None,
        address: address.map(str::to_string),
        dispatched: None,
        arrived: None,
        deaths: None,
        injuries: None,
        loss: None,
    }
}

fn places_of(calls: &[CallRecord], query: &RepeatQuery) -> Vec<Vec<usize>> {
    let taxonomy = Taxonomy::default_110();
    let classifications: Vec<Classification> =
        calls.iter().map(|call| taxonomy.classify(call)).collect();
    let set = CallSet::new(calls, &classifications, None, &taxonomy).unwrap();
    repeat_places(&set, query)
        .unwrap()
        .into_iter()
        .map(|place| place.calls)
        .collect()
}

fn query(radius: f64, min_calls: usize, within_days: u32) -> RepeatQuery {
    RepeatQuery {
        radius: Meters(radius),
        min_calls,
        within_days,
        from: None,
        to: None,
    }
}

#[test]
fn k_calls_within_d_days_repeat_and_fewer_or_wider_do_not() {
    // Two calls 10 m apart, then a third on day 6: k = 3 within 7 days repeats.
    let three_in_a_week = vec![
        call(0, 0.0, 0.0, None, "fighting"),
        call(3, 10.0, 0.0, None, "fighting"),
        call(6, 0.0, 10.0, None, "burglary"),
        call(6, 5000.0, 0.0, None, "burglary"),
    ];
    assert_eq!(
        places_of(&three_in_a_week, &query(50.0, 3, 7)),
        [vec![0, 1, 2]]
    );
    // k − 1 calls do not.
    assert_eq!(
        places_of(&three_in_a_week[..2], &query(50.0, 3, 7)),
        Vec::<Vec<usize>>::new()
    );
    // The same three spread over 7 days (day 0 to day 6) are not within 6 days.
    assert_eq!(
        places_of(&three_in_a_week, &query(50.0, 3, 6)),
        Vec::<Vec<usize>>::new()
    );
    // A radius too small keeps them apart.
    assert_eq!(
        places_of(&three_in_a_week, &query(5.0, 3, 7)),
        Vec::<Vec<usize>>::new()
    );
    // Any window of D days counts, not only the one starting at the first call.
    let late_burst = vec![
        call(0, 0.0, 0.0, None, "fighting"),
        call(40, 0.0, 0.0, None, "fighting"),
        call(41, 0.0, 0.0, None, "fighting"),
        call(42, 0.0, 0.0, None, "fighting"),
    ];
    let taxonomy = Taxonomy::default_110();
    let classifications: Vec<Classification> =
        late_burst.iter().map(|c| taxonomy.classify(c)).collect();
    let set = CallSet::new(&late_burst, &classifications, None, &taxonomy).unwrap();
    let places = repeat_places(&set, &query(0.0, 3, 3)).unwrap();
    assert_eq!(places.len(), 1);
    let place = &places[0];
    assert_eq!(place.calls, [0, 1, 2, 3]);
    assert_eq!(place.peak_calls, 3);
    assert_eq!(place.peak_from, LocalDate::from_ymd(2021, 4, 10).unwrap());
    assert_eq!(
        (place.first, place.last),
        (late_burst[0].at, late_burst[3].at)
    );
    assert_eq!(place.top_types[0].zh, "打架斗殴");
    assert_eq!(place.top_types[0].calls, 4);
    assert!(place.centre.distance_to(ORIGIN).0 < 0.01);
    // The period cuts calls off before the rule applies.
    let in_april = RepeatQuery {
        from: Some(LocalDate::from_ymd(2021, 4, 11).unwrap()),
        ..query(0.0, 3, 3)
    };
    assert!(repeat_places(&set, &in_april).unwrap().is_empty());
}

#[test]
fn the_same_address_spelt_differently_is_one_place() {
    assert_eq!(
        normalise_address(" ３ＸＸ　Block of 3 AV W "),
        normalise_address("3XX BLOCK OF 3AV W")
    );
    assert_eq!(normalise_address("福田区 福华路１号"), "福田区福华路1号");
    // Far apart on the map (geocoded differently), same address: one place at radius 0.
    let calls = vec![
        call(0, 0.0, 0.0, Some("3XX BLOCK OF 3 AV W"), "fighting"),
        call(
            1,
            300.0,
            0.0,
            Some("３ＸＸ ｂｌｏｃｋ ｏｆ ３ ａｖ ｗ"),
            "fighting",
        ),
        call(2, 0.0, 300.0, Some("  3xx block of 3 av w"), "burglary"),
        call(2, 0.0, 0.0, Some("4XX BLOCK OF 3 AV W"), "burglary"),
    ];
    assert_eq!(places_of(&calls, &query(0.0, 3, 30)), [vec![0, 1, 2]]);
    let taxonomy = Taxonomy::default_110();
    let classifications: Vec<Classification> = calls.iter().map(|c| taxonomy.classify(c)).collect();
    let set = CallSet::new(&calls, &classifications, None, &taxonomy).unwrap();
    let place = &repeat_places(&set, &query(0.0, 3, 30)).unwrap()[0];
    assert_eq!(place.distinct_addresses, 1);
    assert_eq!(place.top_types[0].code, "fighting");
    // With a radius, another address joins when it lies within the radius of the anchor's
    // centre, the mean of its calls: (100 m, 100 m), 141 m from the other address.
    let apart = repeat_places(&set, &query(140.0, 3, 30)).unwrap();
    assert_eq!(apart[0].calls, [0, 1, 2]);
    let joined = repeat_places(&set, &query(142.0, 3, 30)).unwrap();
    assert_eq!(joined[0].calls, [0, 1, 2, 3]);
    assert_eq!(joined[0].distinct_addresses, 2);
    assert_eq!(joined[0].address.as_deref(), Some("3XX BLOCK OF 3 AV W"));
}

#[test]
fn places_are_ranked_by_calls_then_latest_call() {
    let calls = vec![
        call(0, 0.0, 0.0, None, "fighting"),
        call(1, 0.0, 0.0, None, "fighting"),
        call(0, 1000.0, 0.0, None, "fighting"),
        call(2, 1000.0, 0.0, None, "fighting"),
        call(0, 0.0, 1000.0, None, "fighting"),
        call(1, 0.0, 1000.0, None, "fighting"),
        call(1, 0.0, 1000.0, None, "fighting"),
    ];
    assert_eq!(
        places_of(&calls, &query(20.0, 2, 5)),
        [vec![4, 5, 6], vec![2, 3], vec![0, 1]]
    );
}

#[test]
fn queries_outside_the_limits_are_refused() {
    let calls = vec![call(0, 0.0, 0.0, None, "fighting")];
    let taxonomy = Taxonomy::default_110();
    let classifications: Vec<Classification> = calls.iter().map(|c| taxonomy.classify(c)).collect();
    let set = CallSet::new(&calls, &classifications, None, &taxonomy).unwrap();
    let nan = repeat_places(&set, &query(f64::NAN, 3, 7)).unwrap_err();
    assert!(matches!(nan, RepeatError::BadRadius { limit, .. } if limit == 1000.0));
    assert!(nan.to_string().contains("outside 0 to 1000 m"), "{nan}");
    assert!(matches!(
        repeat_places(&set, &query(1000.5, 3, 7)),
        Err(RepeatError::BadRadius { .. })
    ));
    assert!(matches!(
        repeat_places(&set, &query(-1.0, 3, 7)),
        Err(RepeatError::BadRadius { .. })
    ));
    assert_eq!(
        repeat_places(&set, &query(50.0, 1, 7)),
        Err(RepeatError::BadMinCalls { min_calls: 1 })
    );
    assert_eq!(
        repeat_places(&set, &query(50.0, 2, 0)),
        Err(RepeatError::BadWithinDays {
            days: 0,
            limit: 3650
        })
    );
    assert_eq!(
        repeat_places(&set, &query(50.0, 2, 3651)),
        Err(RepeatError::BadWithinDays {
            days: 3651,
            limit: 3650
        })
    );
    let later = RepeatQuery {
        from: Some(LocalDate::from_ymd(2022, 1, 1).unwrap()),
        to: Some(LocalDate::from_ymd(2022, 1, 31).unwrap()),
        ..query(50.0, 2, 7)
    };
    assert!(matches!(
        repeat_places(&set, &later),
        Err(RepeatError::Window(StatsError::EmptyWindow { .. }))
    ));
}

fn seattle_places(query: &RepeatQuery) -> Vec<hotspot::repeat::RepeatPlace> {
    let taxonomy = Taxonomy::builtin("seattle").unwrap();
    let calls = seattle_calls::calls();
    let classifications = Classifier::new(&taxonomy).classify_all(calls);
    let set = CallSet::new(calls, &classifications, None, &taxonomy).unwrap();
    repeat_places(&set, query).unwrap()
}

/// Calls per address as written, upper-cased with spaces removed.
fn direct_address_counts() -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for row in seattle_calls::rows() {
        let key: String = row
            .address
            .to_uppercase()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

fn key_of(address: &str) -> String {
    address
        .to_uppercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[test]
fn seattle_top_place_counts_equal_direct_counts() {
    let counts = direct_address_counts();
    let places = seattle_places(&query(0.0, 2, 365));
    let top = &places[0];
    let (busiest_address, busiest) = counts
        .iter()
        .max_by_key(|(address, &n)| (n, std::cmp::Reverse((*address).clone())))
        .unwrap();
    assert_eq!(top.calls.len(), *busiest);
    assert_eq!(key_of(top.address.as_deref().unwrap()), *busiest_address);
    // Every address with two calls or more in the year is a place of its own.
    assert_eq!(places.len(), counts.values().filter(|&&n| n >= 2).count());
    assert!(places
        .windows(2)
        .all(|pair| pair[0].calls.len() >= pair[1].calls.len()));

    // With 100 m, a place holds whole addresses: its calls are the sum of theirs.
    let near = seattle_places(&query(100.0, 5, 30));
    let top = &near[0];
    let calls = seattle_calls::calls();
    let mut addresses: Vec<String> = top
        .calls
        .iter()
        .map(|&index| key_of(calls[index].address.as_deref().unwrap()))
        .collect();
    addresses.sort();
    addresses.dedup();
    assert_eq!(addresses.len(), top.distinct_addresses);
    assert_eq!(
        top.calls.len(),
        addresses
            .iter()
            .map(|address| counts[address])
            .sum::<usize>()
    );
    assert!(top.calls.len() >= *busiest);
    for &index in &top.calls {
        assert!(calls[index].location.distance_to(top.centre).0 < 1000.0);
    }
}
