ALTER TABLE `analysis_decisions` ADD `evidence` text;--> statement-breakpoint
ALTER TABLE `analysis_state` ADD `evidence` text;