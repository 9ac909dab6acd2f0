"""Live views of the main window: decision boundary, network diagram, loss chart."""
