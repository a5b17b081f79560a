module mfn

go 1.26
