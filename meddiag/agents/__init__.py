"""The doctor team: one typed autogen-agentchat agent per role (see each module)."""
