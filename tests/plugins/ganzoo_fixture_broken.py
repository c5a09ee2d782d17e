"""A plugin that raises on import, as a plugin with a missing dependency would."""

raise ImportError("ganzoo_fixture_broken needs the package 'not-installed-anywhere'")
