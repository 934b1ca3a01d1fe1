import { createTool } from '@mastra/core/tools';
import { z } from 'zod';

const round = (value: number, digits: number): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};

export const temperatureTool = createTool({
  id: 'convert-temperature',
  description: 'Convert a temperature in degrees Celsius to Fahrenheit or Kelvin',
  inputSchema: z.object({
    celsius: z.number().describe('Degrees Celsius'),
    unit: z.enum(['fahrenheit', 'kelvin']).optional().describe('Target unit (default fahrenheit)'),
  }),
  outputSchema: z.object({
    value: z.number(),
    unit: z.string(),
  }),
  execute: async ({ celsius, unit = 'fahrenheit' }) => {
    const value = unit === 'kelvin' ? celsius + 273.15 : (celsius * 9) / 5 + 32;
    return { value: round(value, 1), unit };
  },
});
