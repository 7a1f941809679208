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
    /// Address to listen on; port 0 picks a free port and prints it.
    #[arg(long, default_value = "127.0.0.1:8080")]
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

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
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
