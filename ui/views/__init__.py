"""Page views, one module per audience: public database, caseworkers, admins, process owners."""
