"""Entry point: the ``hf://`` transport, both ways.

Only the hooks live here; ``huggingface_hub`` is imported by ``ganzoo_hf.hub`` when an
``hf://`` URL is first used, so loading the plugin costs ``ganzoo list`` nothing."""

from ganzoo.plugin import hookimpl

#: ganzoo_push_weights and the transport errors came with plugin API 1.2
GANZOO_PLUGIN_API = ">=1.2,<2"

SCHEME = "hf://"


@hookimpl
def ganzoo_fetch_weights(url, destination):
    if not url.startswith(SCHEME):
        return None
    from ganzoo_hf import hub  # lazy: huggingface_hub only when an hf:// URL is used

    hub.download(url, destination)
    return True


@hookimpl
def ganzoo_push_weights(url, folder):
    if not url.startswith(SCHEME):
        return None
    from ganzoo_hf import hub  # lazy: huggingface_hub only when an hf:// URL is used

    return hub.push(url, folder)


@hookimpl
def ganzoo_push_accepts(url):
    if not url.startswith(SCHEME):
        return None
    from ganzoo_hf import hub  # lazy: huggingface_hub only when an hf:// URL is used

    hub.parse_repo_url(url)  # a malformed hf:// URL is a PushError before the core exports anything
    return True
