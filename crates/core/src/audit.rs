//! The audit log's actions in words, for the people who read it.

/// What an audit line's action means, in words; an action not listed reads as its words.
pub fn action_in_words(action: &str) -> String {
    let known = match action {
        "sign_in" => "Signed in",
        "sign_in_failed" => "Failed sign-in",
        "password_changed" => "Changed their password",
        "password_reset" => "Reset a password with a link",
        "reset_link_issued" => "Issued a password reset link",
        "sessions_ended" => "Ended sign-in sessions",
        "invite" => "Invited a volunteer",
        "invite_accepted" => "Accepted an invite",
        "invite_withdrawn" => "Withdrew an invite",
        "member_added" => "Added a member",
        "member_removed" => "Took a member out of the campaign",
        "role_changed" => "Changed a member's role",
        "campaign_created" => "Created the campaign",
        "import_register" => "Imported the register",
        "import_register_failed" => "A register import failed",
        "register_update" => "Applied a register update",
        "absent_voters" => "Imported the absent voters list",
        "marked_register_imported" => "Imported a marked register",
        "export_register" => "Downloaded the register",
        "show_elector" => "Looked up an elector",
        "walks_planned" => "Planned walks",
        "walk_assigned" => "Assigned a walk",
        "walk_payload" => "Opened a walk on a phone",
        "walk_contacts_viewed" => "Viewed a walk's answers",
        "walk_export" => "Downloaded a walk",
        "walk_sheet" => "Printed a walk sheet",
        "walk_entry" => "Opened a sheet to key in",
        "paper_keyed_in" => "Keyed in a paper sheet",
        "progress_viewed" => "Viewed the live progress",
        "survey_saved" => "Changed the survey",
        "session_added" => "Added a canvassing session",
        "session_changed" => "Changed a canvassing session",
        "session_cancelled" => "Cancelled a canvassing session",
        "check_in_list" => "Opened a session's check-in list",
        "attendance" => "Marked attendance",
        "walk_in" => "Signed up a walk-in",
        "volunteers_listed" => "Listed the supporters",
        "volunteer_deleted_own_data" => "A volunteer deleted their data",
        "post_published" => "Published a post",
        "post_withdrawn" => "Withdrew a post",
        "embed_origins_set" => "Set the sites that may embed the sign-up form",
        "friend_matches_shown" => "Register entries suggested to a supporter for a friend",
        "relational_report_read" => "Read the conversations with friends",
        "tellings_recorded" => "Recorded tellers' numbers",
        "telling_withdrawn" => "Took back a teller's number",
        "teller_names" => "Opened a teller's name list",
        "knock_up_list" => "Opened a knock-up list",
        "knock_up_answers" => "Recorded knock-up answers",
        "knock_up_rounds_started" => "Started knock-up rounds",
        "hand_promises_list" => "Listed the promises added by hand",
        "promise_added_by_hand" => "Added a promise by hand",
        "promise_removed_by_hand" => "Removed a promise added by hand",
        "promise_rule_set" => "Set who counts as a promise",
        "postal_chase_list" => "Opened the postal-vote chase",
        "postal_vote_chased" => "Chased a postal vote",
        "lift_given" => "Gave a lift to the poll",
        "station_count" => "Recorded a polling station's count",
        "polling_station_saved" => "Saved a polling station",
        "committee_room_saved" => "Saved a committee room",
        "place_deleted" => "Deleted a polling station or committee room",
        "simulated_canvass" => "Ran a simulated canvass",
        "simulated_polling_day" => "Ran a simulated polling day",
        "call_list_created" => "Made a call list",
        "call_list_closed" => "Closed a call list",
        "call_number_shown" => "Was shown a number to call",
        "call_made" => "Recorded a call",
        "call_batch_assigned" => "Handed a caller a batch of calls",
        "screening_uploaded" => "Uploaded a TPS or CTPS file",
        "matched_list_uploaded" => "Uploaded a matched list of phone numbers",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    let words = action.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_as_words() {
        assert_eq!(action_in_words("export_register"), "Downloaded the register");
        assert_eq!(action_in_words("something_new"), "Something new");
    }
}
