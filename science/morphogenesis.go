package science

func morphogenesisChecks() []Check { return nil }
