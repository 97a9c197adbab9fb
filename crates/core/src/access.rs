//! Who may do what: the one place that decides.
//!
//! Every page and API route names the [`Permission`] it needs; the server asks [`allows`] before
//! running it. Scoping (a canvasser sees only the walks assigned to them) is applied by the queries
//! that serve canvassers, which take the user's id, never by the caller's say-so.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A volunteer's role in one campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the campaign: everything in it.
    Organiser,
    /// Looks after the register and its exports.
    DataOfficer,
    /// Knocks doors: only the walks assigned to them.
    Canvasser,
    /// Takes numbers at a polling station on polling day.
    Teller,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Organiser, Role::DataOfficer, Role::Canvasser, Role::Teller];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Organiser => "organiser",
            Role::DataOfficer => "data_officer",
            Role::Canvasser => "canvasser",
            Role::Teller => "teller",
        }
    }

    /// How people say it.
    pub fn label(self) -> &'static str {
        match self {
            Role::Organiser => "Organiser",
            Role::DataOfficer => "Data officer",
            Role::Canvasser => "Canvasser",
            Role::Teller => "Teller",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == wanted)
            .ok_or_else(|| format!("unknown role '{s}': use organiser, data_officer, canvasser or teller"))
    }
}

/// Something a signed-in volunteer may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Any member of the campaign: their own account, the survey.
    Member,
    /// Register statistics and single electors.
    ViewRegister,
    /// Import a register export or update.
    ImportRegister,
    /// Download the register or a list of electors (always audited).
    ExportRegister,
    /// Plan walks and see every walk.
    PlanWalks,
    /// Assign walks to canvassers and sessions; manage canvassing sessions.
    AssignWalks,
    /// Invite volunteers and see who is in the campaign.
    ManageVolunteers,
    /// Edit the survey.
    EditSurvey,
    /// The live progress of the campaign.
    ViewProgress,
    /// Knock doors: the walks assigned to oneself, and sending their contacts.
    Canvass,
    /// Key paper walk sheets back in and print walk sheets for any walk.
    EnterPaperResults,
    /// Read the audit log.
    ViewAudit,
    /// Strike off voters at a polling station (tellers), and take back one's own strikes.
    Tell,
    /// Run polling day from the committee room: knock-up lists, promises, any teller's strikes.
    RunPollingDay,
    /// Create another campaign.
    CreateCampaign,
}

/// Whether `role` may do `permission`. The whole policy is this table.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Organiser => true,
        Role::DataOfficer => {
            matches!(permission, Member | ViewRegister | ImportRegister | ExportRegister | ViewProgress | EnterPaperResults)
        }
        Role::Canvasser => matches!(permission, Member | Canvass),
        Role::Teller => matches!(permission, Member | Tell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_as_people_write_them() {
        assert_eq!("Data officer".parse::<Role>(), Ok(Role::DataOfficer));
        assert_eq!("data-officer".parse::<Role>(), Ok(Role::DataOfficer));
        assert!("admin".parse::<Role>().is_err());
    }

    #[test]
    fn least_privilege() {
        assert!(allows(Role::Organiser, Permission::ViewAudit));
        assert!(allows(Role::DataOfficer, Permission::ExportRegister));
        assert!(!allows(Role::DataOfficer, Permission::ViewAudit));
        assert!(!allows(Role::Canvasser, Permission::ExportRegister));
        assert!(!allows(Role::Canvasser, Permission::ViewRegister));
        assert!(allows(Role::Canvasser, Permission::Canvass));
        assert!(!allows(Role::Teller, Permission::Canvass));
        assert!(allows(Role::Teller, Permission::Tell));
        assert!(!allows(Role::Teller, Permission::RunPollingDay), "a teller sees no knock-up list");
        assert!(!allows(Role::Canvasser, Permission::Tell));
        assert!(!allows(Role::DataOfficer, Permission::Tell));
    }
}
