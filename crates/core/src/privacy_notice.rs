//! What a campaign's privacy notice says it does with personal data: each purpose, the data it
//! uses, the lawful basis (UK GDPR art. 6, and art. 9 for political opinions) and how long it is
//! kept. The public notice page shows this table; docs/DATA-PROTECTION.md explains it.

/// One purpose of processing.
pub struct Purpose {
    pub purpose: &'static str,
    pub data: &'static str,
    pub basis: &'static str,
    pub kept: Kept,
}

/// How long a purpose's data is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// Until the campaign's retention day (polling day plus the retention period).
    UntilRetention,
    /// Until the person deletes it (their own page) or asks the campaign to.
    UntilDeleted,
}

pub const PURPOSES: [Purpose; 5] = [
    Purpose {
        purpose: "Canvassing electors at their doors and by post in this election",
        data: "The electoral register (names, addresses, elector numbers, absent vote status)",
        basis: "Public task and legitimate interests (UK GDPR art. 6(1)(e), (f)); the Representation of the People \
                Regulations 2001 allow the full register to be used for electoral purposes",
        kept: Kept::UntilRetention,
    },
    Purpose {
        purpose: "Knowing who supports the campaign, what voters raise, and getting supporters to vote",
        data: "What electors tell canvassers (voting intention and other answers, notes); on polling day, who has voted",
        basis: "Legitimate interests (art. 6(1)(f)); political opinions under art. 9(2)(g) with the Data Protection \
                Act 2018, schedule 1, paragraph 22 (political parties)",
        kept: Kept::UntilRetention,
    },
    Purpose {
        purpose: "Organising volunteers: sessions, reminders, check-in, lifts",
        data: "Volunteers' names, email, phone, postcode, availability, skills and what they signed up for",
        basis: "Consent for each channel, recorded with its wording (art. 6(1)(a)), and legitimate interests for the sessions \
                a volunteer signs up to",
        kept: Kept::UntilDeleted,
    },
    Purpose {
        purpose: "Relational organising: friends and family a supporter chooses to talk to",
        data: "The names a supporter gives, matched to the register, and whether a conversation took place",
        basis: "Legitimate interests (art. 6(1)(f)); an organiser sees a match only once the conversation is recorded",
        kept: Kept::UntilRetention,
    },
    Purpose {
        purpose: "Security and accountability",
        data: "Accounts, sign-ins and an audit log of who read or changed what",
        basis: "Legal obligation and legitimate interests (art. 5(2), 6(1)(c), (f))",
        kept: Kept::UntilRetention,
    },
];
