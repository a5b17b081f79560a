package science

func exactFractalChecks() []Check { return nil }
