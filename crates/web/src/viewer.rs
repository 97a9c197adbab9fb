//! The signed-in volunteer of a request: what the guard finds and handlers and pages read.

use groundgame_app::Member;

/// The signed-in member of a request, in one campaign.
#[derive(Debug, Clone)]
pub struct Viewer(pub Member);

impl std::ops::Deref for Viewer {
    type Target = Member;
    fn deref(&self) -> &Member {
        &self.0
    }
}

impl Viewer {
    pub fn actor(&self) -> groundgame_app::Actor<'_> {
        groundgame_app::Actor::Member(&self.0)
    }
}

/// The viewer if signed in: what public routes get.
#[derive(Debug, Clone)]
pub struct MaybeViewer(pub Option<Viewer>);
