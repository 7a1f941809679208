//! The case-type taxonomy: the built-in files, source mappings on the real Seattle and Chicago
//! values, and errors that name the line and the nearest valid name.

mod seattle_calls;

use formats::calls::CallRecord;
use hotspot::taxonomy::{Classifier, Selector, Taxonomy, TaxonomyError};
use measure::{LonLat, Timestamp};

const CHICAGO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/chicago-southside-crimes/chicago_southside_crimes_2016.csv"
);

fn call(case_type: Option<&str>, category: Option<&str>) -> CallRecord {
    CallRecord {
        id: None,
        at: Timestamp(0),
        utc_offset_minutes: 480,
        time_of_day_known: true,
        location: LonLat::new(114.05, 22.54).unwrap(),
        category: category.map(str::to_string),
        case_type: case_type.map(str::to_string),
        priority: None,
        address: None,
        dispatched: None,
        arrived: None,
        deaths: None,
        injuries: None,
        loss: None,
    }
}

/// The code of the type (or, without one, the category) a call lands in.
#[track_caller]
fn check_lands(taxonomy: &Taxonomy, case_type: Option<&str>, category: Option<&str>, code: &str) {
    let classification = taxonomy.classify(&call(case_type, category));
    let landed = match classification.case_type {
        Some(id) => taxonomy.case_type(id).code.clone(),
        None => taxonomy.category(classification.category).code.clone(),
    };
    assert_eq!(landed, code, "{case_type:?} / {category:?}");
}

#[test]
fn default_taxonomy_has_the_110_categories_types_and_groups() {
    let taxonomy = Taxonomy::default_110();
    let categories: Vec<&str> = taxonomy
        .categories()
        .iter()
        .map(|c| c.zh.as_str())
        .collect();
    assert_eq!(
        categories,
        ["刑事", "治安", "交通", "纠纷", "求助", "转办", "其他"]
    );
    assert_eq!(taxonomy.types().len(), 38);
    let Some(Selector::Type(burglary)) = taxonomy.selector("入室盗窃") else {
        panic!("入室盗窃 is a type");
    };
    assert_eq!(taxonomy.case_type(burglary).code, "burglary");
    assert_eq!(
        taxonomy
            .category(taxonomy.case_type(burglary).category)
            .code,
        "criminal"
    );
    let two = taxonomy.group("两抢").expect("两抢 is a group");
    let names: Vec<&str> = taxonomy
        .group_by_id(two)
        .types
        .iter()
        .map(|&t| taxonomy.case_type(t).zh.as_str())
        .collect();
    assert_eq!(names, ["抢劫", "抢夺"]);
    let four = taxonomy.group("four_preventable").unwrap();
    assert_eq!(taxonomy.group_by_id(four).zh, "四类可防性案件");
    assert_eq!(taxonomy.group_by_id(four).types.len(), 4);
    // A group of whole categories holds their calls with or without a type.
    let both = taxonomy.group("刑事治安警情").unwrap();
    let disorder = taxonomy.classify(&call(Some("扰乱秩序"), None));
    let traffic = taxonomy.classify(&call(None, Some("traffic")));
    assert!(taxonomy.in_group(both, disorder));
    assert!(!taxonomy.in_group(both, traffic));
    assert_eq!(traffic.case_type, None);
    let accidents: Vec<&str> = taxonomy
        .accident_types()
        .iter()
        .map(|&t| taxonomy.case_type(t).code.as_str())
        .collect();
    assert_eq!(accidents, ["accident"]);
    assert_eq!(taxonomy.selector("全部"), Some(Selector::All));
    assert_eq!(taxonomy.selector("robbbery"), None);
    assert_eq!(
        taxonomy.nearest_name("robbbery").as_deref(),
        Some("robbery")
    );
}

#[test]
fn codes_and_names_classify_without_a_mapping() {
    let taxonomy = Taxonomy::default_110();
    check_lands(&taxonomy, Some("入室盗窃"), None, "burglary");
    check_lands(&taxonomy, Some(" Burglary "), None, "burglary");
    check_lands(&taxonomy, Some("E-bike theft"), None, "ebike_theft");
    check_lands(&taxonomy, None, Some("纠纷"), "dispute");
    check_lands(&taxonomy, Some("PROWLP"), Some("治安"), "public_order");
    check_lands(&taxonomy, Some("PROWLP"), None, "other");
}

#[test]
fn mappings_match_type_before_category_and_first_in_file_order() {
    let taxonomy = Taxonomy::from_toml(
        r#"
extends = "default"

[[map]]
to = "theft_from_vehicle"
contains = ["car prowl"]

[[map]]
to = "vehicle_theft"
exact = ["CAR PROWL", "AUTO THEFT"]

[[map]]
to = "other_theft"
prefix = ["theft"]

[[map]]
to = "dispute"
exact = ["CIVIL"]
"#,
        "city.toml",
    )
    .unwrap();
    // The contains rule comes first in the file, so it beats the exact one.
    check_lands(&taxonomy, Some("car prowl"), None, "theft_from_vehicle");
    check_lands(&taxonomy, Some("  auto theft "), None, "vehicle_theft");
    check_lands(&taxonomy, Some("THEFT - SHOPLIFT"), None, "other_theft");
    check_lands(&taxonomy, Some("SHOPLIFT THEFT"), None, "other");
    // The type is tried first; the category only when the type maps nowhere.
    check_lands(
        &taxonomy,
        Some("AUTO THEFT"),
        Some("CIVIL"),
        "vehicle_theft",
    );
    check_lands(&taxonomy, Some("NOISE"), Some("civil"), "dispute");
    // Mapping rules beat the taxonomy's own names.
    check_lands(&taxonomy, Some("NOISE"), Some("burglary"), "burglary");

    let mut classifier = Classifier::new(&taxonomy);
    for (case_type, category) in [
        (Some("NOISE"), None),
        (Some("NOISE"), None),
        (Some("car prowl"), None),
        (None, Some("PARKING")),
        (Some("NOISE"), Some("LOUD")),
    ] {
        classifier.classify(&call(case_type, category));
    }
    let unmapped = classifier.unmapped();
    let unmapped: Vec<(Option<&str>, Option<&str>, u64)> = unmapped
        .iter()
        .map(|u| (u.case_type.as_deref(), u.category.as_deref(), u.calls))
        .collect();
    assert_eq!(
        unmapped,
        [
            (Some("NOISE"), None, 2),
            (None, Some("PARKING"), 1),
            (Some("NOISE"), Some("LOUD"), 1)
        ]
    );
    assert_eq!(classifier.classified(), 5);
}

#[test]
fn a_city_group_overrides_the_default_group_of_that_code() {
    let taxonomy = Taxonomy::from_toml(
        r#"
extends = "default"
[[group]]
code = "four_preventable"
zh = "四类可防性案件"
en = "Four preventable crimes"
members = ["burglary", "theft_from_vehicle", "robbery", "snatching"]
"#,
        "city.toml",
    )
    .unwrap();
    let group = taxonomy.group("四类可防性案件").unwrap();
    let codes: Vec<&str> = taxonomy
        .group_by_id(group)
        .types
        .iter()
        .map(|&t| taxonomy.case_type(t).code.as_str())
        .collect();
    assert_eq!(
        codes,
        ["burglary", "theft_from_vehicle", "robbery", "snatching"]
    );
    assert_eq!(
        taxonomy.groups().len(),
        Taxonomy::default_110().groups().len()
    );
}

#[test]
fn every_seattle_value_of_both_columns_is_mapped() {
    let taxonomy = Taxonomy::builtin("seattle").unwrap();
    for use_initial in [false, true] {
        let mut classifier = Classifier::new(&taxonomy);
        for row in seattle_calls::rows() {
            let value = if use_initial {
                &row.initial_group
            } else {
                &row.clearance_group
            };
            classifier.classify(&call(Some(value), None));
        }
        assert_eq!(classifier.classified(), 91_067);
        assert_eq!(classifier.unmapped(), [], "initial column: {use_initial}");
    }
    check_lands(&taxonomy, Some("CAR PROWL"), None, "theft_from_vehicle");
    check_lands(&taxonomy, Some("RESIDENTIAL BURGLARIES"), None, "burglary");
    check_lands(
        &taxonomy,
        Some("MOTOR VEHICLE COLLISION INVESTIGATION"),
        None,
        "accident",
    );
    check_lands(&taxonomy, Some("TRAFFIC RELATED CALLS"), None, "violation");
    check_lands(&taxonomy, Some("DISTURBANCES"), None, "disturbance");
    check_lands(&taxonomy, Some("TREES DOWN"), None, "referral");
    check_lands(&taxonomy, Some("FALSE ALARMS"), None, "other");
}

#[test]
fn every_chicago_primary_type_is_mapped() {
    let taxonomy = Taxonomy::builtin("chicago").unwrap();
    let text = std::fs::read_to_string(CHICAGO).unwrap();
    let mut lines = text.lines();
    let header = seattle_calls::split_csv(lines.next().unwrap());
    let column = header.iter().position(|h| h == "Primary Type").unwrap();
    let mut classifier = Classifier::new(&taxonomy);
    for line in lines {
        let fields = seattle_calls::split_csv(line);
        classifier.classify(&call(Some(&fields[column]), None));
    }
    assert_eq!(classifier.classified(), 1000);
    assert_eq!(classifier.unmapped(), []);
    check_lands(&taxonomy, Some("BATTERY"), None, "assault");
    check_lands(&taxonomy, Some("DECEPTIVE PRACTICE"), None, "fraud");
    check_lands(
        &taxonomy,
        Some("MOTOR VEHICLE THEFT"),
        None,
        "vehicle_theft",
    );
}

#[track_caller]
fn check_error(text: &str, expected: TaxonomyError, message_part: &str) {
    let error = Taxonomy::from_toml(text, "city.toml").unwrap_err();
    assert_eq!(error, expected);
    let message = error.to_string();
    assert!(message.contains(message_part), "{message}");
}

#[test]
fn an_unknown_key_is_refused_with_its_line_and_the_nearest_key() {
    check_error(
        "[[category]]\ncode = \"a\"\nzh = \"甲\"\nen = \"A\"\ntyeps = []\n",
        TaxonomyError::UnknownKey {
            file: "city.toml".into(),
            line: 5,
            key: "tyeps".into(),
            nearest: Some("types".into()),
            allowed: "`code`, `zh`, `en`, `types`".into(),
        },
        "city.toml:5: unknown key `tyeps` (did you mean `types`?)",
    );
    check_error(
        "extend = \"default\"\n",
        TaxonomyError::UnknownKey {
            file: "city.toml".into(),
            line: 1,
            key: "extend".into(),
            nearest: Some("extends".into()),
            allowed: "`extends`, `unmapped`, `category`, `group`, `map`".into(),
        },
        "did you mean `extends`?",
    );
    let error = Taxonomy::from_toml(
        "[[category]]\ncode = \"a\"\nzh = \"甲\"\nen = \"A\"\ntypes = [\n  { code = \"b\", zh = \"乙\", en = \"B\", acident = true },\n]\n",
        "city.toml",
    )
    .unwrap_err();
    assert!(
        matches!(&error, TaxonomyError::UnknownKey { line: 6, nearest: Some(n), .. } if n == "accident"),
        "{error:?}"
    );
    let error = Taxonomy::from_toml(
        "extends = \"default\"\n[[maps]]\nto = \"robbery\"\n",
        "city.toml",
    )
    .unwrap_err();
    assert!(
        matches!(&error, TaxonomyError::UnknownKey { line: 2, nearest: Some(n), .. } if n == "map"),
        "{error:?}"
    );
    let error = Taxonomy::from_toml("extends = \"default\"\nunmapped = = \"x\"\n", "city.toml")
        .unwrap_err();
    assert!(
        matches!(error, TaxonomyError::Syntax { line: 2, .. }),
        "{error:?}"
    );
}

#[test]
fn duplicate_codes_unknown_members_and_targets_are_named_with_their_lines() {
    check_error(
        "[[category]]\ncode = \"other\"\nzh = \"其他\"\nen = \"Other\"\ntypes = [\n  { code = \"x\", zh = \"x\", en = \"x\" },\n  { code = \"x\", zh = \"y\", en = \"y\" },\n]\n",
        TaxonomyError::DuplicateCode {
            file: "city.toml".into(),
            line: 7,
            code: "x".into(),
            first: "city.toml:6".into(),
        },
        "city.toml:7: the code `x` is used twice (first at city.toml:6)",
    );
    check_error(
        "extends = \"default\"\n\n[[group]]\ncode = \"g\"\nzh = \"g\"\nen = \"g\"\nmembers = [\"robbery\",\n  \"burglery\"]\n",
        TaxonomyError::UnknownGroupMember {
            file: "city.toml".into(),
            line: 8,
            group: "g".into(),
            member: "burglery".into(),
            nearest: Some("burglary".into()),
        },
        "did you mean `burglary`?",
    );
    check_error(
        "extends = \"default\"\n[[map]]\nto = \"theft_from_vehicle\"\nexact = [\"A\"]\n[[map]]\nto = \"vehicle_thef\"\nexact = [\"B\"]\n",
        TaxonomyError::UnknownMappingTarget {
            file: "city.toml".into(),
            line: 6,
            target: "vehicle_thef".into(),
            nearest: Some("vehicle_theft".into()),
        },
        "city.toml:6",
    );
    check_error(
        "extends = \"default\"\n[[group]]\ncode = \"robbery\"\nzh = \"g\"\nen = \"g\"\nmembers = []\n",
        TaxonomyError::DuplicateCode {
            file: "city.toml".into(),
            line: 3,
            code: "robbery".into(),
            first: "default.toml:16".into(),
        },
        "used twice (first at default.toml:16)",
    );
    check_error(
        "extends = \"default\"\n[[map]]\nto = \"robbery\"\nexact = [\"  \"]\n",
        TaxonomyError::EmptyMapping {
            file: "city.toml".into(),
            line: 2,
        },
        "city.toml:2",
    );
    check_error(
        "extends = \"shenzhen\"\n",
        TaxonomyError::UnknownBase {
            file: "city.toml".into(),
            line: 1,
            base: "shenzhen".into(),
        },
        "the only one is \"default\"",
    );
    check_error(
        "[[category]]\ncode = \"a\"\nzh = \"甲\"\nen = \"A\"\n",
        TaxonomyError::UnknownUnmappedCategory {
            file: "city.toml".into(),
            line: 0,
            code: "other".into(),
        },
        "unmapped calls need a category",
    );
}

#[test]
fn a_city_may_define_its_own_categories() {
    let taxonomy = Taxonomy::from_toml(
        r#"
unmapped = "misc"
[[category]]
code = "crime"
zh = "犯罪"
en = "Crime"
types = [{ code = "theft", zh = "盗窃", en = "Theft" }]
[[category]]
code = "misc"
zh = "杂项"
en = "Miscellaneous"
[[map]]
to = "theft"
contains = ["steal"]
"#,
        "own.toml",
    )
    .unwrap();
    check_lands(&taxonomy, Some("STEALING"), None, "theft");
    check_lands(&taxonomy, Some("robbery"), None, "misc");
    assert!(taxonomy.groups().is_empty());
}
