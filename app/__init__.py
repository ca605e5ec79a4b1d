"""The Gradio app: a thin layer over `thesis_qa.workspace.Workspace`."""
