# SPDX-License-Identifier: BSD-3-Clause
"""The parts of scripts/bench: processes, the systems under test and the
generator, measurements and phases, tables, files and plots."""
