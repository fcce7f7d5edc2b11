-- INSERT OR REPLACE deletes the old row without firing DELETE triggers: refuse any insert whose id
-- already exists, so an event can never be overwritten in place.
CREATE TRIGGER `audit_events_no_replace` BEFORE INSERT ON `audit_events`
WHEN EXISTS (SELECT 1 FROM `audit_events` WHERE `id` = NEW.`id`)
BEGIN
  SELECT RAISE(ABORT, 'audit_events is append-only: REPLACE rejected');
END;
