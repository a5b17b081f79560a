//go:build !amd64 || purego

package membw

const haveVec = false

func vecFMA(int)    {}
func vecMulAdd(int) {}
