"""What the CLI and the app drive: the workspace, indexing, owners and uploads, accounts, export."""
