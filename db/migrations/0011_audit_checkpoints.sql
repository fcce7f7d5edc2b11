CREATE TABLE `audit_checkpoints` (
	`seq` integer PRIMARY KEY NOT NULL,
	`event_id` integer NOT NULL,
	`hash` text NOT NULL,
	`at` integer NOT NULL,
	`line_hash` text NOT NULL
);
--> statement-breakpoint
-- The mirror is append-only like the trail itself.
CREATE TRIGGER `audit_checkpoints_no_update` BEFORE UPDATE ON `audit_checkpoints`
BEGIN
  SELECT RAISE(ABORT, 'audit_checkpoints is append-only: UPDATE rejected');
END;
--> statement-breakpoint
CREATE TRIGGER `audit_checkpoints_no_delete` BEFORE DELETE ON `audit_checkpoints`
BEGIN
  SELECT RAISE(ABORT, 'audit_checkpoints is append-only: DELETE rejected');
END;
