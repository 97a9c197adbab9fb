use std::net::SocketAddr;

use clap::Args;
use groundgame_app::App;
use groundgame_web::AppState;

use super::open_app;
use crate::config::Settings;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on. Also GROUNDGAME_BIND, or `bind` in the settings file's
    /// [server]. [default: 127.0.0.1:8080]
    #[arg(long)]
    pub bind: Option<SocketAddr>,
    /// Mark session cookies Secure and send Strict-Transport-Security: set this when groundgame
    /// is served over HTTPS (behind a TLS-terminating proxy). Also GROUNDGAME_SECURE_COOKIES.
    #[arg(long)]
    pub secure_cookies: bool,
}

pub async fn run(_: ServeArgs, settings: &Settings) -> anyhow::Result<()> {
    let app = open_app(settings).await?;
    serve(app, settings).await
}

/// Serves the web app until SIGTERM or Ctrl-C.
pub async fn serve(app: App, settings: &Settings) -> anyhow::Result<()> {
    let bind = settings.bind;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {bind}: {e} (is another server running there? choose another with --bind)"))?;
    let address = listener.local_addr()?;
    println!("groundgame is serving on http://{address}/ (Ctrl-C to stop)");
    tracing::info!(%address, "serving");
    let store = app.store.clone();
    groundgame_web::serve(AppState::new(app, settings.web.clone()), listener, std::future::pending()).await?;
    store.close().await;
    println!("Stopped.");
    Ok(())
}
