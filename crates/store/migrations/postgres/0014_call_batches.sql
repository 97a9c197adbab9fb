-- A caller's take first looks for people handed to them in a batch. Without an index of who is
-- handed to whom, that look read every ready person on the list (100,000 on a big list) for each
-- take, with most of them handed to no one.
CREATE INDEX call_list_people_assigned ON call_list_people (campaign_id, list_id, assigned_to, call_after, elector_id)
    WHERE done IS NULL AND assigned_to IS NOT NULL;
