"""Everything that crosses the network: protocol, clock, merge rules, client, server."""
