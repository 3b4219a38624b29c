#pragma once
/// \file hepnn.hpp
/// Everything public in hepnn.

#include "hepnn/errors.hpp"
#include "hepnn/io.hpp"
#include "hepnn/model.hpp"
#include "hepnn/network.hpp"
#include "hepnn/version.hpp"
