"""Sample properties from raw laboratory records: thickness, density, mechanics. SI inside, GUM uncertainties."""
