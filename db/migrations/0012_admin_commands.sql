ALTER TABLE `services` ADD `migrations` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
-- Issue 10: a release never carries a command; the worker takes migration commands from the
-- service's catalog (services.migrations, admin-defined). Commands that releases written before
-- held are dropped here (and ignored at read time). Their approvals no longer match the release.
UPDATE `releases` SET `migrations` = (
  SELECT json_group_array(json_remove(`value`, '$.command') ORDER BY `key`) FROM json_each(`releases`.`migrations`)
) WHERE json_valid(`migrations`) AND EXISTS (
  SELECT 1 FROM json_each(`releases`.`migrations`) WHERE `type` = 'object' AND json_extract(`value`, '$.command') IS NOT NULL
);
