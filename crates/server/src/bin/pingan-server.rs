//! The server alone, for the end-to-end tests that kill and restart it as a process; the same
//! flags as `pingan serve`, which is what operators run.

use std::net::SocketAddr;

fn main() {
    if let Err(error) = run() {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

fn run() -> anyhow::Result<()> {
    let mut config = server::ServeConfig {
        graph: Default::default(),
        db: "sqlite://pingan.db".to_string(),
        listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        mqtt: None,
        admin_token: std::env::var("PINGAN_ADMIN_TOKEN").ok(),
        table_prefix: String::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--graph" => config.graph = value.into(),
            "--db" => config.db = value,
            "--listen" => config.listen = value.parse()?,
            "--mqtt" => config.mqtt = Some(value),
            "--admin-token" => config.admin_token = Some(value),
            "--table-prefix" => config.table_prefix = value,
            _ => anyhow::bail!("unknown flag {flag}; use --graph, --db, --listen, --mqtt, --admin-token, --table-prefix"),
        }
    }
    anyhow::ensure!(
        !config.graph.as_os_str().is_empty(),
        "--graph is required: a road graph from `pingan import`"
    );
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(server::serve(config))
}
