"""Running a training: ``plan.plan_run`` resolves a run once (model, config, data, resume)
into a frozen ``RunPlan``, and ``trainer.Trainer`` executes it. Everything the loop needs
around the model lives here: the run folder, checkpoint state, precision, devices, EMA,
schedules, the best checkpoint and the distributed set-up."""
