ALTER TABLE `incidents` ADD `detected_at` integer;--> statement-breakpoint
UPDATE `incidents` SET `detected_at` = `opened_at` WHERE `detected_at` IS NULL;