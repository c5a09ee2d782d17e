"""ganzoo's conformance kit over every model of ganzoo-vanilla, each made small by the kit itself."""

from ganzoo.testing import conformance_for

TestConformance = conformance_for("ganzoo-vanilla")
