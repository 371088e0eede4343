"""The names other features and their tests import from the outages today, re-exported from
the modules that hold them (queries, operations). The address hooks become signals (issue 18);
then this module goes."""

from app.outages.operations import add_address, sync_source_addresses
from app.outages.queries import Address, address_source

__all__ = ["Address", "add_address", "address_source", "sync_source_addresses"]
