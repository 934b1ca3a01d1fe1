import { createStep, createWorkflow } from '@mastra/core/workflows';
import { z } from 'zod';
import { weatherAgent } from '../agents/weather-agent';

const forecastSchema = z.object({
  city: z.string().describe('Where the day is planned'),
  temperatureC: z.number().describe('Expected temperature in degrees Celsius'),
  condition: z.enum(['sunny', 'cloudy', 'rainy', 'snowy']),
});

const assessmentSchema = z.object({
  city: z.string(),
  temperatureC: z.number(),
  outdoor: z.boolean(),
  reason: z.string(),
});

const planSchema = z.object({
  city: z.string(),
  setting: z.enum(['outdoor', 'indoor']),
  activities: z.array(z.string()),
  reason: z.string(),
});

const MILD = { min: 12, max: 30 };

const assessConditions = createStep({
  id: 'assess-conditions',
  description: 'Decides whether the weather suits a day outside',
  inputSchema: forecastSchema,
  outputSchema: assessmentSchema,
  execute: async ({ inputData }) => {
    const { city, temperatureC, condition } = inputData;
    const wet = condition === 'rainy' || condition === 'snowy';
    const mild = temperatureC >= MILD.min && temperatureC <= MILD.max;
    const reason = wet ? `it will be ${condition}` : mild ? `${temperatureC}°C and ${condition}` : `${temperatureC}°C is too ${temperatureC < MILD.min ? 'cold' : 'hot'}`;
    return { city, temperatureC, outdoor: !wet && mild, reason };
  },
});

const planOutdoor = createStep({
  id: 'plan-outdoor',
  description: 'Plans a day outside',
  inputSchema: assessmentSchema,
  outputSchema: planSchema,
  execute: async ({ inputData }) => ({
    city: inputData.city,
    setting: 'outdoor' as const,
    activities: ['a walk along the river', 'lunch on a terrace', inputData.temperatureC > 24 ? 'a swim' : 'a bike ride'],
    reason: inputData.reason,
  }),
});

const planIndoor = createStep({
  id: 'plan-indoor',
  description: 'Plans a day inside',
  inputSchema: assessmentSchema,
  outputSchema: planSchema,
  execute: async ({ inputData }) => ({
    city: inputData.city,
    setting: 'indoor' as const,
    activities: ['a museum', 'a long lunch', 'a film'],
    reason: inputData.reason,
  }),
});

export const activityPlanningWorkflow = createWorkflow({
  id: 'activity-planning',
  description: 'Plans a day in a city from the forecast, then has the weather agent write it up',
  inputSchema: forecastSchema,
  outputSchema: z.object({ text: z.string() }),
})
  .then(assessConditions)
  .branch([
    [async ({ inputData }) => inputData.outdoor === true, planOutdoor],
    [async ({ inputData }) => inputData.outdoor === false, planIndoor],
  ])
  .map(
    async ({ inputData }) => {
      const plan = inputData['plan-outdoor'] ?? inputData['plan-indoor'];
      if (!plan) throw new Error('no plan was made');
      return { prompt: `Write a short ${plan.setting} day plan for ${plan.city} (${plan.reason}): ${plan.activities.join(', ')}.` };
    },
    { id: 'build-prompt' },
  )
  .then(createStep(weatherAgent))
  .commit();
