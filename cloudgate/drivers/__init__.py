"""Cloud plug-ins: `base` holds the contract, one module (or package) per cloud implements it."""
