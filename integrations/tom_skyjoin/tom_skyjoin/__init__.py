"""TOM Toolkit broker module for skyjoin (tom_skyjoin.skyjoin.SkyjoinBroker)."""
__version__ = '0.1.0'
