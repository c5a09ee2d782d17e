"""What ganzoo does with trained models and runs: evaluate, export, translate, compare, report,
publish, style mixing. Each service uses the layers below (training, artifacts, data, metrics);
nothing below imports a service."""
