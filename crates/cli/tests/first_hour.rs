//! A newcomer's first walls (issue 15): each refusal in one line that says what to do.

mod common;

use common::fail;

#[test]
fn os_errors_are_said_once_issue_15() {
    let error = fail(&[
        "route",
        "--graph",
        "/no/such/city.graph",
        "--from",
        "8.67,49.40",
        "--to",
        "8.69,49.41",
    ]);
    let first = error.find("os error 2").expect("names the OS error");
    assert!(
        !error[first + 1..].contains("os error 2"),
        "the OS error appears twice: {error}"
    );
    assert_eq!(error.trim_end().lines().count(), 1, "{error}");
}

#[test]
fn listen_takes_a_port_alone_and_explains_a_bad_address_issue_15() {
    let error = fail(&["demo", "--listen", "localhost-8081"]);
    assert!(error.contains("127.0.0.1:8081"), "{error}");
    assert!(error.contains("a port alone"), "{error}");
}

#[test]
fn a_busy_port_is_reported_before_the_import_issue_15() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let started = std::time::Instant::now();
    let error = fail(&["demo", "--listen", &port, "--city", "/no/such/city.osm.pbf"]);
    assert!(
        error.contains(&format!("cannot listen on 127.0.0.1:{port}")),
        "{error}"
    );
    assert!(error.contains("--listen 127.0.0.1:"), "{error}");
    assert!(
        started.elapsed().as_secs() < 60,
        "the refusal must come before any import"
    );
}
