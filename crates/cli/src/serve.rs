//! `pingan serve`: the dispatch server on a road graph and an event log.

use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Road graph from `pingan import`.
    #[arg(long)]
    pub graph: PathBuf,
    /// Event log: sqlite://FILE (created if missing) or postgres://USER@HOST:PORT/DB.
    #[arg(long, default_value = "sqlite://pingan.db")]
    pub db: String,
    /// Address to listen on: HOST:PORT or a port alone (127.0.0.1:PORT); port 0 picks a free
    /// port and prints it.
    #[arg(long, default_value = "127.0.0.1:8080", value_parser = parse_listen)]
    pub listen: SocketAddr,
    /// MQTT broker for unit positions on pingan/units/{unit_id}/position, HOST:PORT.
    #[arg(long)]
    pub mqtt: Option<String>,
    /// Admin token for this run (not stored), else $PINGAN_ADMIN_TOKEN; one is generated and
    /// printed when neither is given and the log holds no admin token.
    #[arg(long)]
    pub admin_token: Option<String>,
    /// Prefix of the event table, for several servers sharing one database.
    #[arg(long, default_value = "")]
    pub table_prefix: String,
}

/// `--listen`: `HOST:PORT`, or a port alone on the loopback address.
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = text.trim().parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    text.trim().parse().map_err(|_| {
        format!("'{text}' is not an address to listen on: write HOST:PORT (127.0.0.1:8081, 0.0.0.0:8080 for every interface) or a port alone (8081)")
    })
}

/// Fails at once, before any slow start-up work, when the address cannot be bound.
pub fn check_listen_free(listen: SocketAddr) -> anyhow::Result<()> {
    if listen.port() == 0 {
        return Ok(());
    }
    std::net::TcpListener::bind(listen).map(drop).map_err(|error| {
        let next = SocketAddr::new(listen.ip(), listen.port().wrapping_add(1).max(1));
        anyhow::anyhow!(
            "cannot listen on {listen} ({error}); is another pingan running there? Stop it or choose another address, e.g. --listen {next}"
        )
    })
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    check_listen_free(args.listen)?;
    let config = server::ServeConfig {
        graph: args.graph,
        db: args.db,
        listen: args.listen,
        mqtt: args.mqtt,
        admin_token: args
            .admin_token
            .or_else(|| std::env::var("PINGAN_ADMIN_TOKEN").ok()),
        table_prefix: args.table_prefix,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(server::serve(config))
}
