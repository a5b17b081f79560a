package bench

import "mfn/nn"

// validate-5-epochs: the reference's run_validation(ValidationConfig(seed=42, epochs=5)),
// 294 ms in-process (median of run-medians; 2.44 s as a whole process).
func init() {
	Register(Workload{
		Name:    "validate-5-epochs",
		Summary: "run_validation(seed=42, epochs=5): 17 field sims + IFS runs, 20 training steps (reference: 294 ms)",
		Setup: func() (func(), error) {
			cfg := nn.DefaultValidationConfig()
			cfg.Epochs = 5
			if err := cfg.Validate(); err != nil {
				return nil, err
			}
			return func() {
				if _, err := nn.RunValidation(cfg); err != nil {
					panic("validate-5-epochs: " + err.Error()) // the configuration is fixed and valid
				}
			}, nil
		},
	})
}
