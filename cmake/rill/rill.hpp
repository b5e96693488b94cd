// The one header users include: the whole public API of rill (shared/API.md).
#pragma once
#include <rill/rdd/context.hpp>
#include <rill/rdd/hash_partitioner.hpp>
#include <rill/rdd/rdd.hpp>
#include <rill/rdd/actions.hpp>
#include <rill/rdd/filter.hpp>
#include <rill/rdd/flat_map.hpp>
#include <rill/rdd/map.hpp>
#include <rill/rdd/take.hpp>
