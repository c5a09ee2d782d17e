"""What ganzoo does with trained models and runs: evaluate, export, translate, compare, report,
publish, style mixing. Each service uses the layers below it (training, artifacts, data, metrics,
nn, io and the base); nothing below imports a service."""
