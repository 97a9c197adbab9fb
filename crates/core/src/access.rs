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
    /// The server's own metrics (requests by route, its database, mail waiting).
    ViewServerMetrics,
    /// Text voters and volunteers who agreed to texts, one tap a message, and answer their replies.
    SendTexts,
    /// Write the texting templates, read every texter's threads, and manage opt-outs.
    ManageTexting,
    /// Take the next person from a call list, see their number while they hold them, and record the call.
    MakeCalls,
    /// Make call lists from the canvass, hand out batches, and see how each list stands.
    ManageCallLists,
}

impl Permission {
    pub const ALL: [Permission; 20] = [
        Permission::Member,
        Permission::ViewRegister,
        Permission::ImportRegister,
        Permission::ExportRegister,
        Permission::PlanWalks,
        Permission::AssignWalks,
        Permission::ManageVolunteers,
        Permission::EditSurvey,
        Permission::ViewProgress,
        Permission::Canvass,
        Permission::EnterPaperResults,
        Permission::ViewAudit,
        Permission::Tell,
        Permission::RunPollingDay,
        Permission::CreateCampaign,
        Permission::ViewServerMetrics,
        Permission::SendTexts,
        Permission::ManageTexting,
        Permission::MakeCalls,
        Permission::ManageCallLists,
    ];

    /// What the permission lets someone do, and the personal data it reaches, for the data
    /// protection officer.
    pub fn in_words(self) -> &'static str {
        match self {
            Permission::Member => "Their own account and page; the survey's questions (no one else's data)",
            Permission::ViewRegister => "Register statistics and single electors: names, addresses, elector numbers, markers",
            Permission::ImportRegister => "Upload the council's register and its monthly updates and absent voters lists",
            Permission::ExportRegister => "Download the register or lists of electors (every download audited)",
            Permission::PlanWalks => "Every walk, with its doors and every answer recorded at them (audited)",
            Permission::AssignWalks => "Give walks to canvassers and sessions; run canvassing sessions",
            Permission::ManageVolunteers => "Volunteers' names, contact details, availability, consents and sign-ups",
            Permission::EditSurvey => "The questions canvassers ask and their talking points",
            Permission::ViewProgress => "Counts of doors, conversations and supporters by district and walk (no elector named)",
            Permission::Canvass => "Only the walks assigned to them: names and addresses at each door, and the answers they record",
            Permission::EnterPaperResults => "Print any walk's sheet (names and addresses) and key its answers in (audited)",
            Permission::ViewAudit => "The audit log: who read or changed what, and when",
            Permission::Tell => "Take elector numbers at a polling station, and take back their own",
            Permission::RunPollingDay => "Knock-up lists of promised supporters not yet voted: names, addresses, promises",
            Permission::CreateCampaign => "Start another campaign",
            Permission::ViewServerMetrics => {
                "The server's own counts: requests by route, its database, mail waiting (no person and no campaign named)"
            }
            Permission::SendTexts => {
                "Text people who agreed to texts, and read the replies to their own texts: first names and the messages, never the numbers"
            }
            Permission::ManageTexting => "Texting templates, every texter's threads, opt-outs and their undoing (audited)",
            Permission::MakeCalls => {
                "One person at a time from a call list: their name, and their number only while they hold them (audited), and the answers they record"
            }
            Permission::ManageCallLists => "Call lists: who is on them, batches for callers, and counts of where each list stands",
        }
    }
}

/// Who sees what, as a Markdown table: one row a permission, one column a role. Generated from
/// [`allows`] for docs/DATA-PROTECTION.md, which a test keeps in step with it.
pub fn who_sees_what() -> String {
    let mut out = String::from("| What | ");
    out.push_str(&Role::ALL.map(Role::label).join(" | "));
    out.push_str(" |\n|---|");
    out.push_str(&Role::ALL.map(|_| ":-:").join("|"));
    out.push_str("|\n");
    for p in Permission::ALL {
        out.push_str(&format!("| {} | ", p.in_words()));
        out.push_str(&Role::ALL.map(|r| if allows(r, p) { "yes" } else { "" }).join(" | "));
        out.push_str(" |\n");
    }
    out
}

/// Whether an account in this role must sign in with a second factor: those who can download the
/// register.
pub fn needs_second_factor(role: Role) -> bool {
    allows(role, Permission::ExportRegister)
}

/// Whether `role` may do `permission`. The whole policy is this table.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    match role {
        Role::Organiser => true,
        Role::DataOfficer => {
            matches!(permission, Member | ViewRegister | ImportRegister | ExportRegister | ViewProgress | EnterPaperResults)
        }
        Role::Canvasser => matches!(permission, Member | Canvass | SendTexts | MakeCalls),
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

    /// docs/DATA-PROTECTION.md's table of who sees what is this table's. With
    /// GROUNDGAME_WRITE_DOCS=1 the test writes it there.
    #[test]
    fn the_data_protection_officers_table_is_the_permission_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/DATA-PROTECTION.md");
        let doc = std::fs::read_to_string(path).expect("docs/DATA-PROTECTION.md");
        let (start, end) = ("<!-- who-sees-what: generated from groundgame_core::access -->\n", "<!-- /who-sees-what -->");
        let (before, rest) = doc.split_once(start).expect("the table's start marker");
        let (_, after) = rest.split_once(end).expect("the table's end marker");
        let fresh = format!("{before}{start}{}{end}{after}", who_sees_what());
        if std::env::var("GROUNDGAME_WRITE_DOCS").is_ok_and(|v| v == "1") {
            std::fs::write(path, &fresh).unwrap();
            return;
        }
        assert!(doc == fresh, "docs/DATA-PROTECTION.md's table is out of date: run GROUNDGAME_WRITE_DOCS=1 cargo test -p groundgame-core");
        assert_eq!(Permission::ALL.len(), 20, "every permission is in the table");
    }
}
