use groundgame_core::access::{allows, Permission, Role};
use groundgame_store::accounts::User;
use groundgame_store::campaigns::Campaign;
use groundgame_store::canvassing::Scope;
use groundgame_store::{audit, Tx};

/// A signed-in member of a campaign, as a session names them: who, where, in what role.
#[derive(Debug, Clone)]
pub struct Member {
    pub user: User,
    pub role: Role,
    pub campaign: Campaign,
    /// Sent back with every write from this session.
    pub csrf_token: String,
    /// The session's id (the SHA-256 of its cookie's token).
    pub session: String,
}

impl Member {
    pub fn may(&self, permission: Permission) -> bool {
        allows(self.role, permission)
    }
}

/// Who acts in a use case: a signed-in member, or someone at the command line (who holds the
/// whole database and may do anything; their actions are audited as the command line's).
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Member(&'a Member),
    CommandLine(&'a Campaign),
}

impl<'a> Actor<'a> {
    pub fn campaign(&self) -> &'a Campaign {
        match self {
            Actor::Member(m) => &m.campaign,
            Actor::CommandLine(c) => c,
        }
    }

    /// The account acting, if it is one.
    pub fn user_id(&self) -> Option<i64> {
        match self {
            Actor::Member(m) => Some(m.user.id),
            Actor::CommandLine(_) => None,
        }
    }

    pub fn may(&self, permission: Permission) -> bool {
        match self {
            Actor::Member(m) => m.may(permission),
            Actor::CommandLine(_) => true,
        }
    }

    /// Which doors this actor's contacts may name.
    pub fn door_scope(&self) -> Scope {
        match self {
            Actor::Member(m) if !m.may(Permission::PlanWalks) => Scope::AssignedTo(m.user.id),
            _ => Scope::Campaign,
        }
    }

    /// Writes an audit line for this actor in its campaign, in the caller's transaction.
    pub async fn audit(&self, tx: &mut Tx, action: &str, detail: &str, rows: i64) -> crate::Result<()> {
        let detail = match self {
            Actor::Member(_) => detail.to_owned(),
            Actor::CommandLine(_) => format!("command line: {detail}"),
        };
        audit::record(tx, Some(self.campaign().id), self.user_id(), action, &detail, rows).await?;
        Ok(())
    }
}
