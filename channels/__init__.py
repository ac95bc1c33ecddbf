"""Rasa input channels of the assistant: transport only (limits, metadata), no dialogue logic."""

from channels import rasa_patches

# Rasa imports this package to load the channels (bot/credentials.yml): its corrections apply
# in the Rasa server from then on.
rasa_patches.apply()
