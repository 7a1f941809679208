//! Generated names read like a command centre's, in a city whose extract has few street names
//! (Shenzhen-Futian) as in one with many (Heidelberg): no node numbers, no English stand-ins.

use scenario::{generate_deployment, DeploymentOptions};

#[test]
fn workstations_places_and_jurisdictions_have_chinese_names_without_node_numbers() {
    for (city, network) in [
        ("shenzhen", fixtures::shenzhen()),
        ("heidelberg", fixtures::heidelberg()),
    ] {
        let deployment = generate_deployment(network, &DeploymentOptions::default(), 5).unwrap();
        for workstation in &deployment.workstations {
            assert!(
                workstation.name.ends_with("警务站"),
                "{city}: workstation named '{}'",
                workstation.name
            );
        }
        for unit in &deployment.units {
            assert!(
                unit.name.contains("号 (") && !unit.name.starts_with(|c: char| c.is_ascii()),
                "{city}: unit named '{}'",
                unit.name
            );
        }
        let mut names: Vec<String> = deployment.places.iter().map(|p| p.name.clone()).collect();
        names.extend(deployment.workstations.iter().map(|w| w.name.clone()));
        names.extend(
            deployment
                .jurisdictions()
                .unwrap()
                .into_iter()
                .map(|j| j.name),
        );
        for name in &names {
            assert!(
                !name.contains("node") && !name.contains("Workstation"),
                "{city}: '{name}'"
            );
            let characters: Vec<char> = name.chars().collect();
            let han = |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c);
            assert!(
                !characters
                    .windows(2)
                    .any(|pair| pair[0].is_alphabetic() && !han(pair[0]) && han(pair[1])),
                "{city}: a Latin street name runs into Chinese in '{name}' (issue 15)"
            );
        }
        let mut workstation_names: Vec<&String> =
            deployment.workstations.iter().map(|w| &w.name).collect();
        workstation_names.sort();
        let n = workstation_names.len();
        workstation_names.dedup();
        assert_eq!(workstation_names.len(), n, "{city}: names repeat");
    }
}
